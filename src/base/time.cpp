#include "base/time.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

namespace chorus {
namespace {

bool ReadInt(std::string_view text, size_t pos, size_t len, int* out) {
  if (pos + len > text.size()) return false;
  auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, *out);
  return ec == std::errc() && ptr == text.data() + pos + len;
}

}  // namespace

std::string FormatTimestamp(SystemTime t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  // Most calls format "now", many times a second (every request's authentication, every row's
  // timestamps): the calendar part is computed once per second per thread.
  thread_local std::time_t cached_second = 0;
  thread_local char cached[20] = {};  // "YYYY-MM-DDTHH:MM:SS"
  if (secs != cached_second || cached[0] == '\0') {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    fmt::format_to_n(cached, sizeof cached - 1, "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = secs;
  }
  std::string out;
  out.reserve(24);
  out.append(cached, 19);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
}

std::string NowTimestamp() { return FormatTimestamp(std::chrono::system_clock::now()); }

std::string FormatDate(SystemTime t) { return FormatTimestamp(t).substr(0, 10); }

std::optional<SystemTime> ParseTimestamp(std::string_view text) {
  // YYYY-MM-DD[T ]HH:MM:SS[.fff...](Z|+00|+00:00)
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadInt(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' || !ReadInt(text, 5, 2, &month) ||
      text[7] != '-' || !ReadInt(text, 8, 2, &day) || (text[10] != 'T' && text[10] != ' ') ||
      !ReadInt(text, 11, 2, &hour) || text[13] != ':' || !ReadInt(text, 14, 2, &minute) || text[16] != ':' ||
      !ReadInt(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "+00" && zone != "+00:00" && zone != "z") return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t secs = timegm(&tm);
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::seconds(secs) +
                                                                     std::chrono::nanoseconds(nanos)));
}

}  // namespace chorus
