#include "base/time.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

TEST(TimeTest, FormatsUtcWithMilliseconds) {
  const SystemTime t = SystemTime(std::chrono::milliseconds(1764166065123));
  EXPECT_EQ(FormatTimestamp(t), "2025-11-26T14:07:45.123Z");
  EXPECT_EQ(FormatDate(t), "2025-11-26");
  EXPECT_EQ(FormatTimestamp(SystemTime{}), "1970-01-01T00:00:00.000Z");
}

TEST(TimeTest, FormatsEachSecondAndMillisecondRightWhateverCameBefore) {
  // The calendar part is cached per second: alternate seconds, and milliseconds within one.
  const int64_t base = 1764166065000;
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(FormatTimestamp(SystemTime(std::chrono::milliseconds(base + 7))), "2025-11-26T14:07:45.007Z");
    EXPECT_EQ(FormatTimestamp(SystemTime(std::chrono::milliseconds(base + 999))), "2025-11-26T14:07:45.999Z");
    EXPECT_EQ(FormatTimestamp(SystemTime(std::chrono::milliseconds(base + 1000))), "2025-11-26T14:07:46.000Z");
    EXPECT_EQ(FormatTimestamp(SystemTime(std::chrono::milliseconds(base - 86400000 + 50))),
              "2025-11-25T14:07:45.050Z");
  }
  EXPECT_EQ(FormatTimestamp(SystemTime(std::chrono::milliseconds(-1))), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, ParsesWhatItFormatsAndPostgresForms) {
  const SystemTime t = SystemTime(std::chrono::milliseconds(1764166065123));
  EXPECT_EQ(ParseTimestamp("2025-11-26T14:07:45.123Z"), t);
  EXPECT_EQ(ParseTimestamp("2025-11-26 14:07:45.123+00"), t);
  EXPECT_EQ(ParseTimestamp("2025-11-26 14:07:45.123000+00:00"), t);
  EXPECT_EQ(ParseTimestamp("2025-11-26T14:07:45Z"), SystemTime(std::chrono::milliseconds(1764166065000)));
  for (const char* bad : {"", "2025-11-26", "2025-13-01T00:00:00Z", "2025-11-26T14:07:45+02", "yesterday",
                          "2025-11-26T14:07:45.Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
  EXPECT_EQ(ParseTimestamp(NowTimestamp()).has_value(), true);
}

}  // namespace
}  // namespace chorus
