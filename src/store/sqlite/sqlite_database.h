// The embedded backend: SQLite in WAL mode with foreign keys on, one writer connection and a small
// pool of query-only readers. sqlite3.h appears nowhere outside this folder.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "base/result.h"
#include "store/database.h"

namespace chorus::store::sqlite {

struct Settings {
  std::string path;  // database file; created if missing
  int readers = 4;
  std::chrono::milliseconds busy_timeout{5000};
  bool synchronous_full = true;  // false: synchronous=NORMAL (see storage.sqlite_synchronous)
};

// Opens (creating if needed) the database and its writer connection.
// Errors: kUnavailable when the file cannot be opened or is not a database.
Result<std::unique_ptr<Database>> Open(const Settings& settings);

}  // namespace chorus::store::sqlite
