// The PostgreSQL backend, through libpq: a pool of connections, each with its own cache of prepared
// statements. libpq-fe.h appears nowhere outside this folder.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/database.h"

namespace chorus::store::postgres {

struct Settings {
  std::string url;  // any libpq connection URI: postgres://user:pass@host:5432/db?sslmode=...
  int pool_size = 4;
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
};

// Connects once to check the URL. Errors: kUnavailable when the server cannot be reached or refuses.
Result<std::unique_ptr<Database>> Open(const Settings& settings);

// The URL with any password removed, for logs.
std::string RedactUrl(const std::string& url);

}  // namespace chorus::store::postgres
