#include "services/usage_service.h"

#include <chrono>

#include "base/time.h"

namespace chorus::services {
namespace {

std::optional<std::chrono::sys_days> ParseDay(const std::string& text) {
  auto t = ParseTimestamp(text + "T00:00:00.000Z");
  if (!t || text.size() != 10) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*t);
}

}  // namespace

Task<Result<UsageReport>> UsageService::Report(const Caller& caller, std::optional<std::string> from,
                                               std::optional<std::string> to) {
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  UsageReport report;
  report.to = to.value_or(FormatDate(today));
  auto last = ParseDay(report.to);
  if (!last) co_return Unexpected(ErrorCode::kInvalidArgument, "to must be a date like 2026-01-31.", "to");
  report.from = from.value_or(FormatDate(*last - std::chrono::days(29)));
  auto first = ParseDay(report.from);
  if (!first) co_return Unexpected(ErrorCode::kInvalidArgument, "from must be a date like 2026-01-01.", "from");
  if (*first > *last || *last - *first > std::chrono::days(366)) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "from must not be after to, nor more than 366 days before it.",
                         "from");
  }
  auto read = co_await db_.Read([&](store::Connection& c) -> Status {
    CHORUS_ASSIGN_OR_RETURN(report.models, store::usage_logs::DailyByModel(c, caller.user_id, report.from, report.to));
    CHORUS_ASSIGN_OR_RETURN(report.services, store::usage_metrics::Daily(c, caller.user_id, report.from, report.to));
    return Ok();
  });
  if (!read) co_return Unexpected(std::move(read).error());
  co_return report;
}

}  // namespace chorus::services
