#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

#include "base/digest.h"
#include "base/random.h"

namespace chorus {
namespace {

TEST(IdsTest, UuidV7IsWellFormedTimeOrderedAndUnique) {
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 5000; ++i) {
    std::string id = NewUuidV7();
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '7');  // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 9562 variant
    EXPECT_GT(id, previous) << "ids made on one thread must sort in creation order";
    previous = id;
    EXPECT_TRUE(seen.insert(id).second);
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(UuidV7Millis(previous)), static_cast<double>(now_ms), 5000.0);
}

TEST(IdsTest, RequestIdsFromClientsAreValidated) {
  EXPECT_TRUE(IsAcceptableRequestId("abc-123_x.y:z"));
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId("has space"));
  EXPECT_FALSE(IsAcceptableRequestId("new\nline"));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(129, 'a')));
  std::string generated = NewRequestId();
  EXPECT_EQ(generated.size(), 32u);
  EXPECT_TRUE(IsAcceptableRequestId(generated));
  EXPECT_NE(generated, NewRequestId());
}

TEST(DigestTest, Sha256MatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RandomTest, SecureBytesAreNotConstant) {
  EXPECT_NE(SecureRandomString(32), SecureRandomString(32));
  for (int i = 0; i < 1000; ++i) EXPECT_LT(FastRandomBelow(7), 7u);
}

}  // namespace
}  // namespace chorus
