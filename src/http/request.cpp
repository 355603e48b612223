#include "http/request.h"

#include "base/strings.h"

namespace chorus::http {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = HexDigit(text[i + 1]);
      const int lo = HexDigit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::string_view Request::query_string() const {
  const auto q = target_.find('?');
  return q == std::string_view::npos ? std::string_view() : target_.substr(q + 1);
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (std::string_view pair : Split(query_string(), '&')) {
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    if (PercentDecode(key, true) != name) continue;
    return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (IEquals(key, name)) return value;
  }
  return {};
}

std::string_view Request::PathParam(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace chorus::http
