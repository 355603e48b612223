// Small string utilities shared by every layer: parsing of sizes and durations given by humans in
// configuration, JSON string escaping for hand-rendered lines, case-insensitive comparison.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chorus {

std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
bool IEquals(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
// The position of the first CR or LF in `s` at or after `from`; npos when there is none. (Not
// std::string_view::find_first_of("\r\n"): libstdc++ calls memchr over the set once per byte of
// `s`; this is two vectorised scans.)
size_t FindLineBreak(std::string_view s, size_t from = 0);

// Appends `s` escaped for the inside of a JSON string (quotes not added). Invalid UTF-8 bytes are
// replaced by U+FFFD so the output is always valid JSON.
void AppendJsonEscaped(std::string& out, std::string_view s);

// "1048576", "64KiB", "32MiB", "1GiB", "10kB", "5MB" -> bytes. Rejects negatives and overflow.
std::optional<uint64_t> ParseByteSize(std::string_view text);
// "250ms", "30s", "5m", "2h", "1d" -> duration. The unit is required: a bare "30" is ambiguous.
// Rejects negatives and overflow.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);
// Renders a duration the way ParseDuration reads it back ("30s", "250ms").
std::string FormatDuration(std::chrono::milliseconds d);

std::string HexEncode(std::string_view bytes);

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace chorus
