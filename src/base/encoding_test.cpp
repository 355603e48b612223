#include "base/encoding.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

TEST(EncodingTest, Base64UrlRoundTripsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  const std::string bytes("\x00\x01\xfe\xff binary", 11);
  EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
}

TEST(EncodingTest, StandardBase64IsPadded) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("-_8"));
}

TEST(EncodingTest, RejectsOtherAlphabetsAndGarbage) {
  EXPECT_FALSE(Base64UrlDecode("+/8"));
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("not base64!"));
}

}  // namespace
}  // namespace chorus
