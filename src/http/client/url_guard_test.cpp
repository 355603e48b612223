#include "http/client/url_guard.h"

#include <gtest/gtest.h>

namespace chorus::http::client {
namespace {

TEST(UrlGuardTest, ClassifiesAddressesInEveryFamily) {
  for (const char* ip : {"127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                         "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "255.255.255.255", "192.0.2.5",
                         "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1",
                         "::ffff:169.254.169.254", "64:ff9b::7f00:1", "2001:db8::1", "not-an-ip"}) {
    EXPECT_TRUE(IsNonPublicAddress(ip)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_FALSE(IsNonPublicAddress(ip)) << ip;
  }
}

TEST(UrlGuardTest, RefusesLoopbackPrivateAndMetadataInEveryNotation) {
  auto guard = UrlGuard::Make({});
  ASSERT_TRUE(guard);
  for (const char* url : {"http://127.0.0.1/hook", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/",
                          "http://127.1/", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://localhost:9/",
                          "http://169.254.169.254/latest/meta-data/", "https://10.0.0.1/", "http://0.0.0.0/",
                          "http://[fd00:ec2::254]/"}) {
    auto r = guard->Check(url);
    ASSERT_FALSE(r) << url << " was allowed to " << (r ? r->address : "");
    EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied) << url << ": " << r.error().message;
    EXPECT_EQ(r.error().param, "url");
  }
}

TEST(UrlGuardTest, RefusesOtherSchemesAndMalformedUrls) {
  auto guard = UrlGuard::Make({});
  for (const char* url : {"ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1/", "http://user:pw@8.8.8.8/",
                          "not a url", "http://", "//8.8.8.8/x", "http://8.8.8.8:0/"}) {
    auto r = guard->Check(url);
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

TEST(UrlGuardTest, PublicAddressesPassAndKeepTheirParts) {
  auto guard = UrlGuard::Make({});
  auto t = guard->Check("https://8.8.8.8:8443/a/b?x=1");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->scheme, "https");
  EXPECT_EQ(t->host, "8.8.8.8");
  EXPECT_EQ(t->port, 8443);
  EXPECT_EQ(t->target, "/a/b?x=1");
  EXPECT_EQ(t->address, "8.8.8.8");
  EXPECT_EQ(guard->Check("http://[2606:4700::1111]/")->address, "2606:4700::1111");
}

TEST(UrlGuardTest, TheAllowlistOpensOnlyWhatItNames) {
  auto guard = UrlGuard::Make({"127.0.0.1/32", "fd00::/8"});
  ASSERT_TRUE(guard);
  EXPECT_TRUE(guard->Check("http://127.0.0.1:8080/hook"));
  EXPECT_FALSE(guard->Check("http://127.0.0.2/"));
  EXPECT_FALSE(guard->Check("http://10.0.0.1/"));
  EXPECT_TRUE(guard->Check("http://[fd00::5]/"));
  EXPECT_FALSE(UrlGuard::Make({"not-a-cidr"}));
  EXPECT_FALSE(UrlGuard::Make({"10.0.0.0/33"}));
}

}  // namespace
}  // namespace chorus::http::client
