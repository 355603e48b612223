#include "auth/tokens.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(HexEncode(TokenCacheKey("abc")), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
      << "BLAKE2b-256, raw bytes";
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sane"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
}

}  // namespace
}  // namespace chorus::auth
