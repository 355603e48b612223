// The `chorus` command line: serve, worker-less for now; migrate, version, config check, routes.
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
#pragma once

namespace chorus::app {

int RunCli(int argc, char** argv);

}  // namespace chorus::app
