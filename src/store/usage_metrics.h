// usage_metrics (seeds 000 and 004): daily counters per user and service, and usage events.
//
// Counters are added with an upsert on (user_id, service, date), so concurrent writers never lose an
// increment and a day never gets two rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct UsageIncrement {
  int64_t requests = 1;
  int64_t tokens = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double audio_seconds = 0;
  int64_t characters = 0;
  double cost = 0;
};

struct DailyUsage {
  std::string service;  // asr | tts | llm | pipeline
  std::string date;     // YYYY-MM-DD (UTC)
  int64_t request_count = 0;
  int64_t token_count = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double audio_seconds = 0;
  int64_t characters = 0;
  double cost = 0;
};

struct UsageEvent {
  std::string id;
  std::string user_id;
  std::string action;
  std::optional<std::string> news_id;
  std::optional<std::string> subscription_id;
  std::string metadata = "{}";
  std::string created_at;
};

namespace usage_metrics {

// Adds to the user's counter for `service` on `date` (YYYY-MM-DD). kInvalidArgument for an unknown
// service or a negative increment.
Status Add(Connection& conn, std::string_view user_id, std::string_view service, std::string_view date,
           const UsageIncrement& inc);
// The user's counters for dates in [from, to], oldest first; all services unless `service` is set.
Result<std::vector<DailyUsage>> Daily(Connection& conn, std::string_view user_id, std::string_view from,
                                      std::string_view to, std::optional<std::string_view> service = std::nullopt);

Result<UsageEvent> RecordEvent(Connection& conn, std::string_view user_id, std::string_view action,
                               std::optional<std::string> news_id, std::optional<std::string> subscription_id,
                               std::string_view metadata = "{}");
Result<Page<UsageEvent>> ListEvents(Connection& conn, std::string_view user_id, const PageRequest& page);

}  // namespace usage_metrics
}  // namespace chorus::store
