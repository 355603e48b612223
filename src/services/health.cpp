#include "services/health.h"

#include <fmt/format.h>

namespace chorus::services {

Task<Readiness> HealthService::CheckReadiness() {
  Readiness readiness;
  readiness.database = store::DialectName(db_.dialect());
  const auto migrations = migrations_;
  Result<store::MigrationStatus> status = co_await db_.Read(
      [migrations](store::Connection& c) { return store::InspectMigrations(c, migrations); });
  if (!status) {
    readiness.reason = "database unavailable: " + status.error().message;
    co_return readiness;
  }
  readiness.applied = static_cast<int>(status->applied.size());
  readiness.latest = status->latest_known;
  if (!status->changed.empty()) {
    readiness.reason = fmt::format("{} applied migration(s) changed since they ran", status->changed.size());
  } else if (!status->pending.empty()) {
    readiness.reason = fmt::format("{} migration(s) pending", status->pending.size());
  } else {
    readiness.ready = true;
  }
  co_return readiness;
}

}  // namespace chorus::services
