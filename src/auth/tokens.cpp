#include "auth/tokens.h"

#include <sodium.h>

#include <algorithm>

#include "base/digest.h"
#include "base/encoding.h"
#include "base/random.h"
#include "base/strings.h"

namespace chorus::auth {

std::string NewToken(std::string_view prefix) {
  return std::string(prefix) + Base64UrlEncode(SecureRandomString(32));
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

MemoryDigest TokenCacheKey(std::string_view token) { return KeyedMemoryDigest(token); }

bool LooksLikeToken(std::string_view token, std::string_view prefix) {
  if (!StartsWith(token, prefix) || token.size() != prefix.size() + 43) return false;
  const auto body = token.substr(prefix.size());
  return std::all_of(body.begin(), body.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace chorus::auth
