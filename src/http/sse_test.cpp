#include "http/sse.h"

#include <gtest/gtest.h>

#include "tests/support/run_task.h"

namespace chorus::http {
namespace {

TEST(SseTest, FormatsEventsWithEveryLineAsData) {
  EXPECT_EQ(SseWriter::Format("{\"a\":1}", "", ""), "data: {\"a\":1}\n\n");
  EXPECT_EQ(SseWriter::Format("one\ntwo\r\nthree", "delta", "7"), "event: delta\nid: 7\ndata: one\ndata: two\ndata: three\n\n");
  EXPECT_EQ(SseWriter::Format("end\n", "", ""), "data: end\ndata: \n\n");
  EXPECT_EQ(SseWriter::Format("x", "bad\nname", ""), "event: bad\ndata: x\n\n");
}

class CollectingStream final : public BodyStream {
 public:
  Task<bool> Write(std::string_view data) override {
    if (closed) co_return false;
    chunks.emplace_back(data);
    co_return true;
  }
  bool Closed() const override { return closed; }
  std::vector<std::string> chunks;
  bool closed = false;
};

TEST(SseTest, ResponseStreamsOneChunkPerEvent) {
  Response r = SseResponse([](SseWriter& sse) -> Task<void> {
    co_await sse.Send("first");
    co_await sse.Comment("ping");
    co_await sse.Send("[DONE]");
  });
  EXPECT_EQ(r.content_type, "text/event-stream; charset=utf-8");
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  CollectingStream out;
  testing::RunTask([&]() -> Task<bool> {
    co_await r.stream(out);
    co_return true;
  }());
  EXPECT_EQ(out.chunks, (std::vector<std::string>{"data: first\n\n", ": ping\n\n", "data: [DONE]\n\n"}));
}

TEST(SseTest, EventsReadyTogetherGoOutAsOneChunk) {
  CollectingStream out;
  SseWriter sse(out);
  const std::string events[] = {"{\"a\":1}", "two\nlines", "[DONE]"};
  EXPECT_TRUE(testing::RunTask(sse.SendAll(events)));
  EXPECT_TRUE(testing::RunTask(sse.SendAll({})));
  ASSERT_EQ(out.chunks.size(), 1u) << "one write for the three events, none for no events";
  EXPECT_EQ(out.chunks[0], SseWriter::Format(events[0], "", "") + SseWriter::Format(events[1], "", "") +
                               SseWriter::Format(events[2], "", ""));
  out.closed = true;
  EXPECT_FALSE(testing::RunTask(sse.SendAll(events))) << "the client has gone";
}

}  // namespace
}  // namespace chorus::http
