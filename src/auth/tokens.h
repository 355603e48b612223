// Bearer secrets: session tokens, refresh tokens and API keys. Each is a short type prefix and 256
// bits from the kernel CSPRNG in base64url; only its SHA-256 is ever stored.
#pragma once

#include <string>
#include <string_view>

#include "base/digest.h"

namespace chorus::auth {

inline constexpr std::string_view kSessionPrefix = "chorus_st_";
inline constexpr std::string_view kRefreshPrefix = "chorus_rt_";
inline constexpr std::string_view kApiKeyPrefix = "chorus_sk_";
// Characters of an API key shown afterwards, so a user can tell keys apart ("chorus_sk_Ab3x").
inline constexpr size_t kApiKeyDisplayLength = 14;

// prefix + 43 base64url characters (32 random bytes).
std::string NewToken(std::string_view prefix);
// Lower-case hex SHA-256: what the database holds instead of the token.
std::string TokenHash(std::string_view token);
// The in-memory credential cache's key for a token (KeyedMemoryDigest): computed on every request,
// so far cheaper than TokenHash (computed only when the cache misses); never stored.
MemoryDigest TokenCacheKey(std::string_view token);
// True when `token` has `prefix` and the length and alphabet NewToken produces.
bool LooksLikeToken(std::string_view token, std::string_view prefix);
// Compares secrets in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace chorus::auth
