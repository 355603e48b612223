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
