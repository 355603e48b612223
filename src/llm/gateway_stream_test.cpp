// Streams through the gateway against fake providers on loopback: relaying as events arrive,
// usage read and hidden, no retry after the first byte, bounds, disconnecting clients, and usage
// metered when a stream is cut short.
#include "llm/gateway.h"
#include "llm/gateway_internal.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include "llm/gateway_test_fixture.h"

namespace chorus::llm {
namespace {

using namespace testing;

TEST_F(GatewayTest, RelaysAStreamAsItArrives) {
  FakeLlm fake;
  fake.SetChunks(5);
  fake.SetDelay(80ms);
  Use({Provider("primary", fake)});
  CollectingSink sink;
  const auto start = Clock::now();
  ChatOutcome outcome = Stream(Call(true), sink);
  const auto end = Clock::now();
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.text, "Hello from fake");
  ASSERT_GE(sink.events.size(), 3u);
  EXPECT_EQ(sink.events.back(), "[DONE]");
  EXPECT_LT(sink.times.front() - start, end - start - 200ms) << "the first chunk came long before the last";
  for (const auto& e : sink.events) {
    EXPECT_EQ(e.find("\"usage\":{"), std::string::npos) << "the client did not ask for usage: " << e;
  }
  EXPECT_TRUE(json::parse(fake.LastRequest()->body).at("stream_options").at("include_usage").as_bool())
      << "Chorus always asks the provider for usage";
  auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].output_tokens, 5);
}

TEST_F(GatewayTest, StreamsUsageToClientsThatAskForIt) {
  FakeLlm fake;
  Use({Provider("primary", fake)});
  ChatCall call = Call(true);
  call.body["stream_options"] = json::object{{"include_usage", true}};
  CollectingSink sink;
  EXPECT_EQ(Stream(std::move(call), sink).status, 200);
  ASSERT_GE(sink.events.size(), 2u);
  const json::value usage_chunk = json::parse(sink.events[sink.events.size() - 2]);
  EXPECT_EQ(usage_chunk.at("usage").at("prompt_tokens"), 7);
}

// A proxied stream (no text kept, as /v1/chat/completions) scans each chunk for usage rather than
// parsing it: the usage-only chunk still goes only to clients that asked, and the usage is recorded.
TEST_F(GatewayTest, ProxiedStreamsReadUsageWithoutKeepingText) {
  FakeLlm fake;
  Use({Provider("primary", fake)});
  for (const bool client_wants_usage : {false, true}) {
    ChatCall call = Call(true);
    call.collect_text = false;
    if (client_wants_usage) call.body["stream_options"] = json::object{{"include_usage", true}};
    CollectingSink sink;
    const ChatOutcome outcome = Stream(std::move(call), sink);
    EXPECT_EQ(outcome.status, 200);
    EXPECT_TRUE(outcome.text.empty());
    ASSERT_GE(sink.events.size(), 2u);
    EXPECT_EQ(sink.events.back(), "[DONE]");
    const auto usage_chunks = std::count_if(sink.events.begin(), sink.events.end(), [](const std::string& e) {
      return e.find("\"usage\":{") != std::string::npos;
    });
    EXPECT_EQ(usage_chunks, client_wants_usage ? 1 : 0) << "client_wants_usage " << client_wants_usage;
    EXPECT_EQ(outcome.usage.input_tokens, 7);
    EXPECT_EQ(outcome.usage.output_tokens, 5);
  }
  auto records = usage_.records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    EXPECT_EQ(r.input_tokens, 7);
    EXPECT_EQ(r.output_tokens, 5);
  }
}

TEST_F(GatewayTest, AStreamThatEndsWithItsBodyAfterItsUsageIsComplete) {
  FakeLlm fake;
  fake.SetNoDone(true);
  Use({Provider("primary", fake)});
  CollectingSink sink;
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.text, "Hello from fake");
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events.back(), "[DONE]") << "the client's stream ends as OpenAI's do";
  ASSERT_EQ(usage_.records().size(), 1u);
  EXPECT_EQ(usage_.records()[0].status, 200);
  EXPECT_EQ(usage_.records()[0].output_tokens, 5);
}

// Anthropic's stream begins with events that have nothing to relay (a block's start, a ping), as a
// model's hidden thinking has none for a long while.
TEST_F(GatewayTest, AClientGetsKeepAlivesWhileTheProviderSendsNothingToRelay) {
  FakeLlm claude(FakeLlm::Kind::kAnthropic);
  claude.SetDelay(60ms);
  Use({Provider("claude", claude)}, GatewaySettings{.keepalive_interval = 30ms});
  CollectingSink sink;
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.text, "Hello from fake");
  EXPECT_GE(sink.keepalives, 1);

  CollectingSink quiet;
  Use({Provider("claude", claude)});  // the default interval, far longer than this stream
  EXPECT_EQ(Stream(Call(true), quiet).status, 200);
  EXPECT_EQ(quiet.keepalives, 0);

  CollectingSink gone(/*hang_up_after=*/100);
  Use({Provider("claude", claude)}, GatewaySettings{.keepalive_interval = 30ms});
  EXPECT_EQ(Stream(Call(true), gone).status, 499) << "a client that left is noticed at a keep-alive";
  EXPECT_TRUE(claude.WaitForClientGone(1, 2s)) << "and the provider's stream is cut";
}

TEST_F(GatewayTest, NeverRetriesOnceBytesWereSent) {
  FakeLlm dropping, spare;
  dropping.SetMode(FakeLlm::Mode::kCloseAfterHeaders);
  Use({Provider("dropping", dropping, 100), Provider("spare", spare, 1)});
  CollectingSink sink;
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 502);
  ASSERT_FALSE(sink.events.empty());
  EXPECT_TRUE(json::parse(sink.events.back()).as_object().contains("error"));
  EXPECT_EQ(spare.Requests(), 0) << "the request was not sent again";
}

TEST_F(GatewayTest, AnEndlessReplyKeptForAConversationIsCutOff) {
  for (auto kind : {FakeLlm::Kind::kOpenAi, FakeLlm::Kind::kAnthropic}) {
    FakeLlm fake(kind);
    fake.SetMode(FakeLlm::Mode::kEndless);  // a byte of text a millisecond, never ending
    Use({Provider("primary", fake)}, GatewaySettings{.max_response_bytes = 64});
    CollectingSink sink;
    ChatCall call = Call(true);
    ASSERT_TRUE(call.collect_text);
    ChatOutcome outcome = Stream(std::move(call), sink);
    EXPECT_EQ(outcome.status, 502);
    ASSERT_FALSE(sink.events.empty());
    EXPECT_NE(sink.events.back().find("longer than 64 bytes"), std::string::npos) << sink.events.back();
    EXPECT_LE(outcome.text.size(), 64u + 16u) << "the text kept stops at the bound (a piece over it at most)";
  }
}

TEST_F(GatewayTest, EventsThatArriveTogetherLeaveTogether) {
  FakeLlm fake;
  fake.SetChunks(5);
  fake.SetBurst(true);  // the whole stream in one write, as a fast provider's can arrive
  Use({Provider("primary", fake)});
  CollectingSink sink;
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 200);
  ASSERT_EQ(sink.events.size(), 8u) << "the role, five pieces, the finish and [DONE]";
  EXPECT_EQ(sink.events.back(), "[DONE]");
  // One read of the provider (two, should its head and body be read apart) is one send to the
  // client, [DONE] included; an event per send would be eight.
  EXPECT_LE(sink.batches.size(), 2u) << ::testing::PrintToString(sink.batches);
  EXPECT_EQ(outcome.usage.output_tokens, 5) << "usage read from the hidden usage chunk";
}

TEST_F(GatewayTest, AClientHangingUpCancelsTheUpstream) {
  FakeLlm fake;
  fake.SetMode(FakeLlm::Mode::kEndless);
  Use({Provider("primary", fake)});
  CollectingSink sink(/*hang_up_after=*/3);
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 499);
  EXPECT_TRUE(fake.WaitForClientGone(1, 3s)) << "the provider saw its stream cancelled";
  // The provider bills what it generated, though its usage chunk never came: an estimate is metered.
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, 499);
  EXPECT_EQ(records[0].input_tokens, EstimateTokens(fake.LastRequest()->body.size()));
  EXPECT_GT(records[0].input_tokens, 0);
  EXPECT_GE(records[0].output_tokens, 3) << "a token for each chunk relayed";
  EXPECT_GT(records[0].cost, 0);
}

TEST_F(GatewayTest, AStreamCutShortKeepsTheCountsTheProviderGave) {
  FakeLlm claude(FakeLlm::Kind::kAnthropic);  // counts the prompt in its first event, the output at the end
  claude.SetChunks(6);
  claude.SetDelay(5ms);
  Use({Provider("claude", claude)});
  CollectingSink sink(/*hang_up_after=*/4);
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 499);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].input_tokens, 7) << "the provider's own count of the prompt";
  EXPECT_GE(records[0].output_tokens, 4);
}

// As when the process stops past its grace period: the event loop goes, and the relay with it.
TEST_F(GatewayTest, AStreamDroppedWhileRelayingIsMeteredFromWhatItRelayed) {
  FakeLlm fake;
  fake.SetChunks(20);
  fake.SetDelay(30ms);
  Use({Provider("primary", fake)});
  CollectingSink sink;
  {
    boost::asio::io_context io;
    boost::asio::co_spawn(
        io,
        [&]() -> Task<void> {
          auto opened = co_await gateway_->Open(Call(true));
          if (opened && (*opened)->stream) (void)co_await (*opened)->stream->Relay(sink);
        },
        boost::asio::detached);
    const auto deadline = Clock::now() + 5s;
    while (sink.events.size() < 4 && Clock::now() < deadline) io.run_one_for(50ms);
    ASSERT_GE(sink.events.size(), 4u);
  }  // the loop is destroyed mid-stream
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, 499);
  EXPECT_GE(records[0].output_tokens, 4) << "a token for each chunk relayed";
}

TEST_F(GatewayTest, AStreamNeverRelayedIsMeteredWhenDropped) {
  FakeLlm fake;
  Use({Provider("primary", fake)});
  auto opened = RunTask(gateway_->Open(Call(true)));
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(usage_.records().empty());
  opened->reset();  // the client went before the stream began: the provider has the prompt
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, 499);
  EXPECT_EQ(records[0].input_tokens, EstimateTokens(fake.LastRequest()->body.size()));
  EXPECT_EQ(records[0].output_tokens, 0);
}

TEST(EstimateStreamUsageTest, FillsInWhatTheProviderDidNotCount) {
  const Usage none = EstimateStreamUsage({}, 401, 9);
  EXPECT_EQ(none.input_tokens, 101) << "~4 bytes a token, rounded up";
  EXPECT_EQ(none.output_tokens, 9);
  const Usage some = EstimateStreamUsage({.input_tokens = 12, .output_tokens = 30, .reported = true}, 401, 9);
  EXPECT_EQ(some.input_tokens, 12);
  EXPECT_EQ(some.output_tokens, 30) << "more than the chunks: the provider's count";
  EXPECT_EQ(EstimateStreamUsage({.input_tokens = 12, .output_tokens = 1, .reported = true}, 401, 9).output_tokens, 9);
  EXPECT_EQ(EstimateStreamUsage({}, 0, 0).input_tokens, 0);
}

}  // namespace
}  // namespace chorus::llm
