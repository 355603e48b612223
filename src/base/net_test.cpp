#include "base/net.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace chorus {
namespace {

bool Contains(const char* network, const char* address) {
  auto cidr = ParseCidr(network);
  EXPECT_TRUE(cidr.has_value()) << network;
  uint8_t bytes[16];
  EXPECT_EQ(inet_pton(cidr->v6 ? AF_INET6 : AF_INET, address, bytes), 1) << address;
  return cidr->Contains(bytes);
}

TEST(CidrTest, MatchesAddressesInsideItsPrefix) {
  EXPECT_TRUE(Contains("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(Contains("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(Contains("100.64.0.0/10", "100.127.255.255"));
  EXPECT_FALSE(Contains("100.64.0.0/10", "100.128.0.0"));
  EXPECT_TRUE(Contains("fe80::/10", "febf::1"));
  EXPECT_FALSE(Contains("fe80::/10", "fec0::1"));
  EXPECT_TRUE(Contains("0.0.0.0/0", "8.8.8.8"));
}

TEST(CidrTest, ABareAddressIsOneHost) {
  EXPECT_TRUE(Contains("127.0.0.1", "127.0.0.1"));
  EXPECT_FALSE(Contains("127.0.0.1", "127.0.0.2"));
  EXPECT_EQ(ParseCidr("::1")->prefix, 128);
}

TEST(CidrTest, RefusesMalformedNetworks) {
  for (const char* bad : {"", "10.0.0/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/-1", "::/129",
                          "example.com/8", "10.0.0.0/ 8"}) {
    auto cidr = ParseCidr(bad);
    ASSERT_FALSE(cidr.has_value()) << bad;
    EXPECT_EQ(cidr.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace chorus
