#include "base/strings.h"

#include <gtest/gtest.h>

namespace chorus {
namespace {

using std::chrono::milliseconds;

TEST(StringsTest, ByteSizesAcceptUnitsAndRejectGarbage) {
  struct Case { const char* text; std::optional<uint64_t> want; };
  const Case cases[] = {
      {"0", 0},          {"1024", 1024},       {"64KiB", 65536},   {"32MiB", 32u << 20},
      {"1GiB", 1u << 30}, {"10kB", 10000},     {" 5 MB ", 5000000}, {"-1", std::nullopt},
      {"", std::nullopt}, {"12XB", std::nullopt}, {"MiB", std::nullopt},
      {"99999999999999999999", std::nullopt}, {"20000000000TiB", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseByteSize(c.text), c.want) << c.text;
}

TEST(StringsTest, DurationsAcceptUnitsAndRejectGarbage) {
  struct Case { const char* text; std::optional<milliseconds> want; };
  const Case cases[] = {
      {"250ms", milliseconds(250)}, {"30s", milliseconds(30000)}, {"5m", milliseconds(300000)},
      {"2h", milliseconds(7200000)}, {"1500", std::nullopt}, {"1d", milliseconds(86400000)},
      {"-5s", std::nullopt}, {"5 parsecs", std::nullopt}, {"s", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseDuration(c.text), c.want) << c.text;
  EXPECT_EQ(FormatDuration(milliseconds(30000)), "30s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(milliseconds(120000)), "2m");
}

TEST(StringsTest, JsonEscapingProducesValidJsonForAnyBytes) {
  std::string out;
  AppendJsonEscaped(out, "a\"b\\c\nd\x01\x7f");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001\\u007f");
  out.clear();
  AppendJsonEscaped(out, "caf\xc3\xa9 \xff end \xe2\x82");  // valid é, a stray byte, a cut sequence
  EXPECT_EQ(out, "caf\xc3\xa9 \\ufffd end \\ufffd\\ufffd");
  out.clear();
  AppendJsonEscaped(out, "\xed\xa0\x80");  // an encoded surrogate is not valid UTF-8
  EXPECT_EQ(out, "\\ufffd\\ufffd\\ufffd");
}

TEST(StringsTest, SplitTrimAndCase) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_TRUE(IEquals("Content-Length", "content-length"));
  EXPECT_FALSE(IEquals("abc", "abd"));
  EXPECT_EQ(HexEncode(std::string("\x00\xff", 2)), "00ff");
}

}  // namespace
}  // namespace chorus
