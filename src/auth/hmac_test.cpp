#include "auth/hmac.h"

#include <gtest/gtest.h>

#include "base/strings.h"

namespace chorus::auth {
namespace {

TEST(HmacTest, MatchesRfc4231Vectors) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacTest, WebhookSignaturesCoverTimeAndBody) {
  const std::string sig = WebhookSignature("whsec_test", 1700000000, R"({"a":1})");
  EXPECT_EQ(sig.rfind("t=1700000000,v1=", 0), 0u);
  EXPECT_EQ(sig.substr(16), HexEncode(HmacSha256("whsec_test", R"(1700000000.{"a":1})")));
  EXPECT_NE(sig, WebhookSignature("whsec_test", 1700000001, R"({"a":1})"));
  EXPECT_NE(sig, WebhookSignature("whsec_test", 1700000000, R"({"a":2})"));
}

}  // namespace
}  // namespace chorus::auth
