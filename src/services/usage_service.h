// The caller's usage (GET /api/v1/usage): model calls by day, model and provider from usage_logs,
// and the daily counters of every service from usage_metrics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/async.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/usage_logs.h"
#include "store/usage_metrics.h"

namespace chorus::services {

struct UsageReport {
  std::string from;  // YYYY-MM-DD, inclusive
  std::string to;
  std::vector<store::DailyModelUsage> models;
  std::vector<store::DailyUsage> services;
};

class UsageService {
 public:
  explicit UsageService(store::AsyncDb& db) : db_(db) {}
  // Defaults: the last 30 days up to today (UTC). kInvalidArgument (param "from"/"to") for a bad
  // date, a reversed range or one longer than 366 days.
  Task<Result<UsageReport>> Report(const Caller& caller, std::optional<std::string> from, std::optional<std::string> to);

 private:
  store::AsyncDb& db_;
};

}  // namespace chorus::services
