#include "llm/sse_parser.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace chorus::llm {
namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

Events ParseInPieces(std::string_view text, size_t piece) {
  SseParser parser;
  Events events;
  for (size_t i = 0; i < text.size(); i += piece) {
    auto fed = parser.Feed(text.substr(i, piece), [&](std::string_view e, std::string_view d) -> Status {
      events.emplace_back(e, d);
      return Ok();
    });
    EXPECT_TRUE(fed);
  }
  return events;
}

TEST(SseParserTest, EventsSurviveAnySplit) {
  const std::string text =
      ": comment\n\ndata: {\"a\":1}\n\nevent: message_start\ndata: {\"b\":2}\r\n\r\n"
      "data: line1\ndata:line2\nid: 7\n\ndata: [DONE]\n\n";
  const Events expected = {{"", "{\"a\":1}"}, {"message_start", "{\"b\":2}"}, {"", "line1\nline2"}, {"", "[DONE]"}};
  for (size_t piece : {1u, 2u, 3u, 7u, 1000u}) EXPECT_EQ(ParseInPieces(text, piece), expected) << piece;
}

TEST(SseParserTest, AnEndlessLineIsAnErrorNotUnboundedMemory) {
  SseParser parser(1024);
  const std::string chunk(300, 'x');
  Status last = Ok();
  int fed = 0;
  while (last && fed < 100) {
    last = parser.Feed(fed == 0 ? "data: " + chunk : chunk, [](std::string_view, std::string_view) { return Ok(); });
    ++fed;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kUpstream);
  EXPECT_LE(fed, 5);
}

TEST(SseParserTest, CallbackErrorsStopParsing) {
  SseParser parser;
  int calls = 0;
  auto fed = parser.Feed("data: 1\n\ndata: 2\n\n", [&](std::string_view, std::string_view) -> Status {
    ++calls;
    return Unexpected(ErrorCode::kUpstream, "bad event");
  });
  EXPECT_FALSE(fed);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace chorus::llm
