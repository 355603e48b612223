#include "llm/usage_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace chorus::llm {
namespace {

Usage Scan(std::string_view body) {
  Usage usage;
  auto scanned = ScanCompletionUsage(body, usage);
  EXPECT_TRUE(scanned) << body;
  return usage;
}

TEST(UsageScanTest, ReadsTheTopLevelUsage) {
  const Usage u = Scan(R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,
      "message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,
               "prompt_tokens_details":{"cached_tokens":3,"prompt_tokens":999}}})");
  EXPECT_TRUE(u.reported);
  EXPECT_EQ(u.input_tokens, 12);
  EXPECT_EQ(u.output_tokens, 7) << "a nested object inside usage does not count";
}

TEST(UsageScanTest, ReadsTheHiddenReasoningTokens) {
  const Usage u = Scan(R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":700,
      "completion_tokens_details":{"reasoning_tokens":640,"accepted_prediction_tokens":0},
      "prompt_tokens_details":{"reasoning_tokens":5}}})");
  EXPECT_EQ(u.output_tokens, 700);
  EXPECT_EQ(u.reasoning_tokens, 640) << "only completion_tokens_details' own";
  EXPECT_EQ(Scan(R"({"completion_tokens_details":{"reasoning_tokens":9},"usage":{"completion_tokens":3}})")
                .reasoning_tokens,
            0)
      << "outside usage it is not the call's";
  EXPECT_EQ(Scan(R"({"usage":{"completion_tokens":3,"reasoning_tokens":2}})").reasoning_tokens, 0);
}

TEST(UsageScanTest, UsageElsewhereIsNotTheCompletions) {
  const Usage u = Scan(R"({"choices":[{"usage":{"prompt_tokens":5,"completion_tokens":5}}],
                           "meta":{"usage":{"prompt_tokens":6}},"prompt_tokens":8})");
  EXPECT_FALSE(u.reported);
  EXPECT_EQ(u.input_tokens, 0);
  EXPECT_EQ(u.output_tokens, 0);
}

TEST(UsageScanTest, UsageThatIsNotAnObjectIsNotReported) {
  EXPECT_FALSE(Scan(R"({"usage":[1,2],"x":{"prompt_tokens":4}})").reported);
  EXPECT_FALSE(Scan(R"({"usage":null})").reported);
  const Usage strings = Scan(R"({"usage":{"prompt_tokens":"12","completion_tokens":1.5}})");
  EXPECT_TRUE(strings.reported);
  EXPECT_EQ(strings.input_tokens, 0) << "only integers are token counts";
  EXPECT_EQ(strings.output_tokens, 0);
}

TEST(UsageScanTest, WhitespaceAroundTheObjectIsFine) {
  EXPECT_EQ(Scan(" \r\n{\"usage\":{\"prompt_tokens\":4}}\n\n").input_tokens, 4);
}

TEST(UsageScanTest, CountsOutsideWhatARowHoldsAreClamped) {
  const Usage u = Scan(R"({"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":-1}})");
  EXPECT_EQ(u.input_tokens, kMaxTokens);
  EXPECT_EQ(u.output_tokens, 0);
  const Usage v = Scan(R"({"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":2147483648}})");
  EXPECT_EQ(v.input_tokens, kMaxTokens);
  EXPECT_EQ(v.output_tokens, kMaxTokens);
  EXPECT_EQ(Scan(R"({"usage":{"prompt_tokens":2147483647}})").input_tokens, 2147483647) << "the largest kept as is";
}

TEST(UsageScanTest, LongKeysAreNotConfusedWithShortOnes) {
  const std::string long_key(100, 'u');
  const Usage u = Scan(R"({")" + long_key + R"(":{"prompt_tokens":3},"usage":{"completion_tokens":2}})");
  EXPECT_EQ(u.input_tokens, 0);
  EXPECT_EQ(u.output_tokens, 2);
}

TEST(UsageScanTest, AnythingButOneJsonObjectIsMalformed) {
  for (std::string_view bad : {"", "[]", "42", "\"text\"", "{\"usage\":{\"prompt_tokens\":1}", "{} {}",
                               "{\"a\":1,}", "<html>502 Bad Gateway</html>", "{\"a\":tru}"}) {
    Usage usage{.input_tokens = 77};
    auto scanned = ScanCompletionUsage(bad, usage);
    ASSERT_FALSE(scanned) << bad;
    EXPECT_EQ(scanned.error().code, ErrorCode::kUpstream);
    EXPECT_EQ(usage.input_tokens, 77) << "nothing written on failure";
  }
}

struct Chunk {
  Usage usage;
  bool no_choices = false;
};

Chunk ScanChunk(std::string_view data) {
  Chunk c;
  auto scanned = ScanChunkUsage(data, c.usage, c.no_choices);
  EXPECT_TRUE(scanned) << data;
  return c;
}

TEST(UsageScanTest, AStreamChunkWithNullUsageHasChoicesAndNoUsage) {
  const Chunk c = ScanChunk(R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,
      "delta":{"content":"Hi"},"finish_reason":null}],"usage":null})");
  EXPECT_FALSE(c.usage.reported);
  EXPECT_FALSE(c.no_choices);
}

TEST(UsageScanTest, TheUsageOnlyChunkHasNoChoices) {
  const Chunk c = ScanChunk(R"({"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}})");
  EXPECT_TRUE(c.usage.reported);
  EXPECT_EQ(c.usage.input_tokens, 9);
  EXPECT_EQ(c.usage.output_tokens, 4);
  EXPECT_TRUE(c.no_choices);
  EXPECT_TRUE(ScanChunk(R"({"usage":{"prompt_tokens":1}})").no_choices) << "no choices member at all";
  EXPECT_TRUE(ScanChunk(R"({"usage":{},"choices":[]})").usage.reported) << "an empty usage object";
}

TEST(UsageScanTest, OnlyTheTopLevelChoicesCount) {
  EXPECT_FALSE(ScanChunk(R"({"choices":null,"usage":{"prompt_tokens":1}})").no_choices)
      << "choices that are not an array are not 'no choices'";
  EXPECT_TRUE(ScanChunk(R"({"meta":{"choices":[1]},"choices":[]})").no_choices) << "a nested choices";
  EXPECT_FALSE(ScanChunk(R"({"choices":[[]],"x":[]})").no_choices) << "an empty array inside choices";
  EXPECT_FALSE(ScanChunk(R"({"choices":[{"a":[]}]})").no_choices);
}

TEST(UsageScanTest, AMalformedChunkIsAnUpstreamError) {
  for (std::string_view bad : {R"({"choices":[)", "[]", "null", R"({"usage":{"prompt_tokens":1}} x)"}) {
    Usage usage;
    bool no_choices = false;
    auto scanned = ScanChunkUsage(bad, usage, no_choices);
    ASSERT_FALSE(scanned) << bad;
    EXPECT_EQ(scanned.error().code, ErrorCode::kUpstream);
    EXPECT_NE(scanned.error().message.find("malformed chunk"), std::string::npos);
  }
}

TEST(UsageScanTest, ChunksWhoseUsageIsNullAreToldFromTheirBytes) {
  for (std::string_view none : {
           R"({"choices":[{"delta":{"content":"Hi"}}]})",
           R"({"choices":[{"delta":{"content":"Hi"}}],"usage":null})",
           R"({"usage" :  null , "choices":[]})",
           "{\"usage\":\n\tnull}",
           R"({"choices":[{"delta":{"content":"usage"}}],"usage":null})",  // the word as a value
           R"({"choices":[{"delta":{"content":"say \"usage\": 5"}}]})",  // escaped quotes inside a string
       }) {
    EXPECT_FALSE(MayReportUsage(none)) << none;
  }
  for (std::string_view some : {
           R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}})",
           R"({"usage":null,"x":{"usage":{"prompt_tokens":1}}})",  // any key with a value is scanned
           R"({"usage":nullx})",                                   // not JSON: the scan says so
           R"({"usage":null)",
       }) {
    EXPECT_TRUE(MayReportUsage(some)) << some;
  }
}

std::string CompletionText(std::string_view body) {
  Usage usage;
  std::string text = "kept:";
  auto scanned = ScanCompletionUsage(body, usage, &text);
  EXPECT_TRUE(scanned) << body;
  return text;
}

std::string ChunkText(std::string_view data) {
  Usage usage;
  bool no_choices = false;
  std::string text = "kept:";
  auto scanned = ScanChunkUsage(data, usage, no_choices, &text);
  EXPECT_TRUE(scanned) << data;
  return text;
}

TEST(UsageScanTest, TheFirstChoicesMessageTextIsAppended) {
  Usage usage;
  std::string text;
  ASSERT_TRUE(ScanCompletionUsage(R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Hel\"lo\n\u00e9"}},
      {"index":1,"message":{"content":"second"}}],"usage":{"prompt_tokens":3,"completion_tokens":2}})",
                                  usage, &text));
  EXPECT_EQ(text, "Hel\"lo\n\xc3\xa9") << "unescaped; only the first choice";
  EXPECT_EQ(usage.output_tokens, 2) << "usage is read in the same pass";
  EXPECT_EQ(CompletionText(R"({"choices":[{"message":{"content":"Hi"}}]})"), "kept:Hi") << "appended";
}

TEST(UsageScanTest, OnlyTheMessagesOwnStringContentIsText) {
  for (std::string_view none : {
           R"({"choices":[{"message":{"content":null,"tool_calls":[{"function":{"content":"x"}}]}}]})",
           R"({"choices":[{"message":{"content":["x"],"other":{"content":"y"}}}]})",
           R"({"choices":[{"delta":{"content":"x"}}]})",                  // a chunk's delta, not a message
           R"({"choices":[{"content":"x","message":{}}],"message":{"content":"y"}})",  // outside message
           R"({"choices":[["x"],{"message":{"content":"second"}}]})",     // the first element is no choice
           R"({"choices":{"message":{"content":"x"}}})",                  // choices not an array
           R"({"meta":[{"message":{"content":"x"}}]})",
       }) {
    EXPECT_EQ(CompletionText(none), "kept:") << none;
  }
}

TEST(UsageScanTest, AChunksDeltaTextIsAppended) {
  EXPECT_EQ(ChunkText(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi "}}],"usage":null})"),
            "kept:Hi ");
  EXPECT_EQ(ChunkText(R"({"choices":[{"delta":{"content":null}}]})"), "kept:");
  EXPECT_EQ(ChunkText(R"({"choices":[{"message":{"content":"x"}}]})"), "kept:") << "a message is not a delta";
  const std::string long_text(100000, 'a');  // arrives from the parser in parts
  EXPECT_EQ(ChunkText(R"({"choices":[{"delta":{"content":")" + long_text + R"("}}]})"), "kept:" + long_text);
}

TEST(UsageScanTest, AMalformedBodyLeavesTheTextAsItWas) {
  Usage usage;
  bool no_choices = false;
  std::string text = "kept:";
  EXPECT_FALSE(ScanChunkUsage(R"({"choices":[{"delta":{"content":"half"}}],)", usage, no_choices, &text));
  EXPECT_EQ(text, "kept:");
  EXPECT_FALSE(ScanCompletionUsage(R"({"choices":[{"message":{"content":"half"}}]} x)", usage, &text));
  EXPECT_EQ(text, "kept:");
}

}  // namespace
}  // namespace chorus::llm
