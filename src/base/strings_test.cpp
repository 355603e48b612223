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

TEST(StringsTest, FindLineBreakFindsTheFirstCrOrLfFromAPosition) {
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(FindLineBreak(""), npos);
  EXPECT_EQ(FindLineBreak("no break here"), npos);
  EXPECT_EQ(FindLineBreak("a\nb"), 1u);
  EXPECT_EQ(FindLineBreak("a\rb"), 1u);
  EXPECT_EQ(FindLineBreak("ab\r\n"), 2u);
  EXPECT_EQ(FindLineBreak("a\nb\rc"), 1u) << "an LF before a CR";
  EXPECT_EQ(FindLineBreak("a\rb\nc"), 1u) << "a CR before an LF";
  EXPECT_EQ(FindLineBreak("a\nb\rc", 2), 3u) << "from a position";
  EXPECT_EQ(FindLineBreak("a\nb", 2), npos);
  EXPECT_EQ(FindLineBreak("a\n", 5), npos) << "from past the end";
  // At every position of a long string, with the other byte after it (the scans are vectorised).
  for (size_t at = 0; at < 100; ++at) {
    std::string s(100, 'x');
    s[at] = '\r';
    if (at + 1 < s.size()) s[at + 1] = '\n';
    EXPECT_EQ(FindLineBreak(s), at);
    s[at] = '\n';
    EXPECT_EQ(FindLineBreak(s), at);
    EXPECT_EQ(FindLineBreak(s, at + 1), at + 1 < s.size() ? at + 1 : npos);
  }
}

}  // namespace
}  // namespace chorus
