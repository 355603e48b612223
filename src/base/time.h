// Timestamps as Chorus stores and returns them: UTC ISO-8601 with milliseconds,
// "2026-11-26T14:07:45.123Z". The same text in both databases (SQLite stores it; the PostgreSQL
// backend renders TIMESTAMPTZ(3) this way), so repository code compares and pages on it directly.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace chorus {

using SystemTime = std::chrono::system_clock::time_point;

std::string FormatTimestamp(SystemTime t);
std::string NowTimestamp();
// Parses the format above (the fraction may have 0-9 digits; "+00:00"/"+00" stand for "Z").
std::optional<SystemTime> ParseTimestamp(std::string_view text);
// "2026-11-26": the UTC calendar day of `t`.
std::string FormatDate(SystemTime t);

}  // namespace chorus
