#include "store/usage_metrics.h"

#include <fmt/format.h>

#include "base/ids.h"
#include "store/query.h"

namespace chorus::store::usage_metrics {
namespace {

constexpr const char* kEventColumns = "id, user_id, action, news_id, subscription_id, metadata, created_at";

UsageEvent EventFromRow(Row r) {
  return UsageEvent{r.Text(0), r.Text(1), r.Text(2), r.OptText(3), r.OptText(4), r.Text(5), r.Text(6)};
}

}  // namespace

Status Add(Connection& conn, std::string_view user_id, std::string_view service, std::string_view date,
           const UsageIncrement& inc) {
  if (inc.requests < 0 || inc.tokens < 0 || inc.input_tokens < 0 || inc.output_tokens < 0 || inc.audio_seconds < 0 ||
      inc.characters < 0 || inc.cost < 0) {
    return Unexpected(ErrorCode::kInvalidArgument, "Usage increments cannot be negative.");
  }
  // The conflict target names the partial unique index idx_metrics_daily (both dialects accept it).
  CHORUS_TRY(conn.Exec(
      "INSERT INTO usage_metrics (id, user_id, service, date, request_count, token_count, input_tokens, "
      "output_tokens, audio_seconds, characters, cost) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
      "ON CONFLICT (user_id, service, date) WHERE action IS NULL DO UPDATE SET "
      "request_count = usage_metrics.request_count + excluded.request_count, "
      "token_count = usage_metrics.token_count + excluded.token_count, "
      "input_tokens = usage_metrics.input_tokens + excluded.input_tokens, "
      "output_tokens = usage_metrics.output_tokens + excluded.output_tokens, "
      "audio_seconds = usage_metrics.audio_seconds + excluded.audio_seconds, "
      "characters = usage_metrics.characters + excluded.characters, "
      "cost = usage_metrics.cost + excluded.cost",
      NewUuidV7(), user_id, service, date, inc.requests, inc.tokens, inc.input_tokens, inc.output_tokens,
      inc.audio_seconds, inc.characters, inc.cost));
  return Ok();
}

Result<std::vector<DailyUsage>> Daily(Connection& conn, std::string_view user_id, std::string_view from,
                                      std::string_view to, std::optional<std::string_view> service) {
  if (!IsUuid(user_id)) return std::vector<DailyUsage>{};
  // CAST(date AS TEXT) renders PostgreSQL's DATE as YYYY-MM-DD, which SQLite already stores.
  Query q("SELECT service, CAST(date AS TEXT), request_count, token_count, input_tokens, output_tokens, "
          "audio_seconds, characters, cost FROM usage_metrics WHERE action IS NULL AND ");
  q.Add("user_id = ? AND date >= ? AND date <= ?", {user_id, from, to});
  if (service) q.Add(" AND service = ?", {*service});
  q.Add(" ORDER BY date, service");
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<DailyUsage> out;
  for (Row r : rows) {
    out.push_back(DailyUsage{r.Text(0), r.Text(1), r.Int(2), r.Int(3), r.Int(4), r.Int(5), r.Double(6), r.Int(7),
                             r.Double(8)});
  }
  return out;
}

Result<UsageEvent> RecordEvent(Connection& conn, std::string_view user_id, std::string_view action,
                               std::optional<std::string> news_id, std::optional<std::string> subscription_id,
                               std::string_view metadata) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("INSERT INTO usage_metrics (id, user_id, action, news_id, subscription_id, "
                                       "metadata) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
                                       kEventColumns),
                           NewUuidV7(), user_id, action, news_id, subscription_id, metadata));
  return EventFromRow(rows[0]);
}

Result<Page<UsageEvent>> ListEvents(Connection& conn, std::string_view user_id, const PageRequest& page) {
  if (!IsUuid(user_id)) return Page<UsageEvent>{};
  Query q(fmt::format("SELECT {} FROM usage_metrics WHERE action IS NOT NULL AND ", kEventColumns));
  q.Add("user_id = ?", {user_id});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<UsageEvent> items;
  for (Row r : rows) items.push_back(EventFromRow(r));
  return MakePage(std::move(items), limit, [](const UsageEvent& e) { return Cursor{e.created_at, e.id}; });
}

}  // namespace chorus::store::usage_metrics
