// IP networks in CIDR notation ("10.0.0.0/8", "::1/128", a bare address meaning one host).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace chorus {

struct Cidr {
  bool v6 = false;
  uint8_t bytes[16] = {};
  int prefix = 0;

  // Whether `address` (4 bytes when !v6, 16 when v6) lies inside this network.
  bool Contains(const uint8_t* address) const;
};

// kInvalidArgument for anything but an IPv4/IPv6 address with an optional /prefix in range.
Result<Cidr> ParseCidr(std::string_view text);

}  // namespace chorus
