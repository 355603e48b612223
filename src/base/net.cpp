#include "base/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

#include <fmt/format.h>

namespace chorus {

bool Cidr::Contains(const uint8_t* address) const {
  const int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (address[i] != bytes[i]) return false;
  }
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (address[full] & mask) == (bytes[full] & mask);
}

Result<Cidr> ParseCidr(std::string_view text) {
  const auto slash = text.find('/');
  const std::string base(text.substr(0, slash));
  Cidr cidr;
  int max = 32;
  if (inet_pton(AF_INET, base.c_str(), cidr.bytes) != 1) {
    if (inet_pton(AF_INET6, base.c_str(), cidr.bytes) != 1) {
      return Unexpected(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is not an IP address or CIDR", text));
    }
    cidr.v6 = true;
    max = 128;
  }
  cidr.prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cidr.prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) cidr.prefix = -1;
  }
  if (cidr.prefix < 0 || cidr.prefix > max) {
    return Unexpected(ErrorCode::kInvalidArgument, fmt::format("\"{}\" has a prefix outside 0..{}", text, max));
  }
  return cidr;
}

}  // namespace chorus
