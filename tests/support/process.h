// Child processes for integration tests: the real `chorus` binary, started with arguments and
// environment, its standard error captured in a file, signalled and waited for with a timeout.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chorus::testing {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] is the program path) with the current environment plus `env`
  // ("NAME=value" each). Standard output and error go to `output`.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv,
                                             const std::vector<std::string>& env,
                                             const std::filesystem::path& output);
  ~ChildProcess();  // kills the process (SIGKILL) if it still runs

  int pid() const { return pid_; }
  void Signal(int signal) const;
  // The exit status (exit code, or 128 + signal number), or nullopt if it did not exit in time.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // The captured output so far.
  std::string Output() const;
  // Waits until the output contains `text`; false on timeout or exit.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  bool exited_ = false;
  std::filesystem::path output_;
};

// Runs a command to completion; returns its exit status and output.
std::pair<int, std::string> RunCommand(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// `chorus serve` on a free port with its own data dir; waits until it logs that it listens.
class ChorusServer {
 public:
  // `database` is a --database URL; `extra` are more arguments for `serve`.
  ChorusServer(const std::string& binary, const std::string& database, const std::filesystem::path& data_dir,
               std::vector<std::string> extra = {}, std::vector<std::string> env = {});
  bool started() const { return port_ != 0; }
  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string Log() const { return process_->Output(); }

 private:
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
};

}  // namespace chorus::testing
