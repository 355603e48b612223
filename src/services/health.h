// Liveness and readiness. Live means the process answers; ready means the database answers and
// has every migration this binary knows, with the checksums it expects.
#pragma once

#include <span>
#include <string>

#include "base/async.h"
#include "base/result.h"
#include "store/async_db.h"
#include "store/migrate.h"

namespace chorus::services {

struct Readiness {
  bool ready = false;
  std::string database;   // dialect name
  int applied = 0;        // migrations recorded with the expected checksum
  int latest = 0;         // latest migration this binary knows
  std::string reason;     // why not ready; empty when ready
};

class HealthService {
 public:
  HealthService(store::AsyncDb& db, std::span<const store::Migration> migrations) : db_(db), migrations_(migrations) {}

  // Never fails: an unreachable database is reported as not ready, with the reason.
  Task<Readiness> CheckReadiness();

 private:
  store::AsyncDb& db_;
  const std::span<const store::Migration> migrations_;
};

}  // namespace chorus::services
