// usage_logs (seed 003): one compact row per upstream model call — who, which model, tokens, cost,
// latency and HTTP status; no request or response bodies. Written in batches by the gateway's usage
// recorder, read back per day and model for the user's usage page.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct UsageLogRow {
  std::string id;  // set by the store; ignored by InsertMany
  std::string user_id;
  std::optional<std::string> conversation_id;
  std::string provider;  // 1-50 characters
  std::string model;     // 1-100 characters
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::optional<double> cost;  // PostgreSQL keeps 6 decimals
  std::optional<int64_t> latency_ms;
  std::optional<int> status;  // the upstream's HTTP status, 100-599
  std::string created_at;     // a timestamp (base/time.h); empty: the database's now
  // When set, the time of the row, taking the place of created_at (no text to parse back).
  std::optional<SystemTime> at;
};

struct DailyModelUsage {
  std::string date;  // YYYY-MM-DD (UTC)
  std::string model;
  std::string provider;
  int64_t requests = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost = 0;  // calls without a cost count as 0
};

namespace usage_logs {

inline constexpr size_t kInsertBatchRows = 100;  // below 128: usage_logs.cpp keeps one statement per size

// Inserts every row, all or none: inside the caller's transaction, or else in one of its own. Rows go
// in multi-row INSERTs of up to kInsertBatchRows rows (the remainder in power-of-two batches, so a
// connection caches at most 8 statement shapes). Returns the count inserted. kInvalidArgument for a
// value the schema refuses or a created_at that is not a timestamp (param "created_at");
// kFailedPrecondition for an unknown user or conversation.
Result<int64_t> InsertMany(Connection& conn, std::span<const UsageLogRow> rows);

// The user's calls for UTC days in [from_date, to_date] (YYYY-MM-DD), summed per day, model and
// provider; ordered by date, then model, then provider. kInvalidArgument (param "from"/"to") for a
// malformed date.
Result<std::vector<DailyModelUsage>> DailyByModel(Connection& conn, std::string_view user_id,
                                                  std::string_view from_date, std::string_view to_date);

// The user's calls, newest first (keyset, store/page.h).
Result<Page<UsageLogRow>> List(Connection& conn, std::string_view user_id, const PageRequest& page);

}  // namespace usage_logs
}  // namespace chorus::store
