#include "http/request.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

SpooledBody::~SpooledBody() { ::close(fd_); }

std::string SpooledBody::path() const { return "/proc/self/fd/" + std::to_string(fd_); }

Result<size_t> Request::ReadBody(uint64_t offset, std::span<char> out) const {
  if (!spooled_) {
    if (offset >= body_.size()) return size_t{0};
    const size_t n = std::min<uint64_t>(out.size(), body_.size() - offset);
    std::memcpy(out.data(), body_.data() + offset, n);
    return n;
  }
  if (offset >= spooled_->size()) return size_t{0};
  const size_t want = std::min<uint64_t>(out.size(), spooled_->size() - offset);
  size_t done = 0;
  while (done < want) {
    const ssize_t n = ::pread(spooled_->fd(), out.data() + done, want - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unexpected(ErrorCode::kInternal, std::string("reading the request body: ") + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace chorus::http
