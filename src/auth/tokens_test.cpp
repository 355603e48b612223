#include "auth/tokens.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <set>

#include "base/strings.h"

namespace chorus::auth {
namespace {

TEST(TokensTest, CarryTheirPrefixAnd256RandomBits) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string t = NewToken(kApiKeyPrefix);
    EXPECT_TRUE(LooksLikeToken(t, kApiKeyPrefix)) << t;
    EXPECT_FALSE(LooksLikeToken(t, kSessionPrefix));
    EXPECT_TRUE(seen.insert(t).second);
  }
  const std::string t = NewToken(kSessionPrefix);
  EXPECT_EQ(t.size(), kSessionPrefix.size() + 43);
  EXPECT_FALSE(LooksLikeToken(t.substr(0, t.size() - 1), kSessionPrefix));
  EXPECT_FALSE(LooksLikeToken(t.substr(0, t.size() - 1) + "!", kSessionPrefix));
}

TEST(TokensTest, HashesAreHexSha256AndComparisonIsExact) {
  EXPECT_EQ(TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sane"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
}

TEST(TokensTest, CacheKeysAreKeyedSipHashOfTheWholeToken) {
  const std::string t = NewToken(kApiKeyPrefix);
  EXPECT_EQ(TokenCacheKey(t), TokenCacheKey(std::string(t)));
  // Every byte counts, the last one included.
  std::string last = t;
  last.back() = last.back() == 'A' ? 'B' : 'A';
  EXPECT_NE(TokenCacheKey(t), TokenCacheKey(last));
  EXPECT_NE(TokenCacheKey(t), TokenCacheKey(t.substr(0, t.size() - 1)));
  // Keyed: not the unkeyed SipHash (all-zero key) of the token, nor a function of the token alone.
  MemoryDigest zero_keyed;
  const std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> zero{};
  crypto_shorthash_siphashx24(zero_keyed.data(), reinterpret_cast<const unsigned char*>(t.data()), t.size(),
                              zero.data());
  EXPECT_NE(TokenCacheKey(t), zero_keyed);
}

}  // namespace
}  // namespace chorus::auth
