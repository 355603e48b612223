// The gateway against fake OpenAI-compatible and Anthropic upstreams on loopback: relaying,
// timing, usage, fallback, refusals, misbehaving providers and disconnecting clients.
#include "llm/gateway.h"
#include "llm/gateway_internal.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <mutex>

#include "tests/support/fake_llm.h"
#include "tests/support/run_task.h"

namespace chorus::llm {
namespace {

using namespace std::chrono_literals;
using chorus::testing::FakeLlm;
using chorus::testing::RunTask;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

class RecordingUsage : public UsageSink {
 public:
  void Record(UsageRecord record) override {
    std::lock_guard lock(mu_);
    records_.push_back(std::move(record));
  }
  std::vector<UsageRecord> records() {
    std::lock_guard lock(mu_);
    return records_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    records_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<UsageRecord> records_;
};

// Collects relayed events and how many came in each call; goes away (returns false) after
// `hang_up_after` events when set.
class CollectingSink : public EventSink {
 public:
  explicit CollectingSink(int hang_up_after = -1) : hang_up_after_(hang_up_after) {}
  Task<bool> Send(std::span<const std::string> batch) override {
    batches.push_back(batch.size());
    for (const std::string& event : batch) {
      if (hang_up_after_ >= 0 && static_cast<int>(events.size()) >= hang_up_after_) co_return false;
      events.push_back(event);
      times.push_back(Clock::now());
    }
    co_return true;
  }
  std::vector<std::string> events;
  std::vector<Clock::time_point> times;
  std::vector<size_t> batches;

 private:
  const int hang_up_after_;
};

class OwnKeys : public UserKeys {
 public:
  Task<Result<std::optional<UserKey>>> Find(const std::string& user_id, const std::string& provider, bool) override {
    if (user_id == "u-own" && provider == "primary") co_return std::optional<UserKey>(UserKey{.api_key = "sk-users-own"});
    co_return std::optional<UserKey>();
  }
};

ProviderSpec Provider(const std::string& name, const FakeLlm& fake, int weight = 1) {
  return ProviderSpec{.name = name,
                      .kind = fake.kind() == FakeLlm::Kind::kAnthropic ? ProviderKind::kAnthropic : ProviderKind::kOpenAi,
                      .base_url = fake.BaseUrl(),
                      .api_key = "sk-" + name,
                      .models = {{.name = "m", .upstream_model = "up-" + name, .input_price_per_million = 2,
                                  .output_price_per_million = 10, .weight = weight}}};
}

class GatewayTest : public ::testing::Test {
 protected:
  // Deployments are tried by descending weight (the weighted draw is fixed to its first ticket).
  void Use(std::vector<ProviderSpec> providers, GatewaySettings settings = {}) {
    settings.random = [] { return uint64_t{0}; };
    auto registry = Registry::Build(providers);
    ASSERT_TRUE(registry) << registry.error().message;
    holder_ = std::make_unique<RegistryHolder>(*registry);
    gateway_ = std::make_unique<Gateway>(*holder_, client_, &keys_, usage_, settings);
  }

  static ChatCall Call(bool stream = false, std::string user = "u1") {
    ChatCall call;
    call.user_id = std::move(user);
    call.body = json::parse(R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})").as_object();
    if (stream) call.body["stream"] = true;
    call.collect_text = true;
    return call;
  }

  Result<ChatOutcome> Complete(ChatCall call) { return RunTask(gateway_->Complete(std::move(call))); }

  // Opens and relays a stream; the outcome's status is 0 when the stream could not be opened.
  ChatOutcome Stream(ChatCall call, CollectingSink& sink, Error* open_error = nullptr) {
    return RunTask([&]() -> Task<ChatOutcome> {
      auto opened = co_await gateway_->Open(std::move(call));
      if (!opened) {
        if (open_error) *open_error = opened.error();
        co_return ChatOutcome{.status = 0};
      }
      if ((*opened)->refused) co_return std::move(*(*opened)->refused);
      co_return co_await (*opened)->stream->Relay(sink);
    }());
  }

  http::client::UpstreamClient client_;
  OwnKeys keys_;
  RecordingUsage usage_;
  std::unique_ptr<RegistryHolder> holder_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(GatewayTest, CompletesAndMetersAWholeResponse) {
  FakeLlm fake;
  Use({Provider("primary", fake)});
  auto outcome = Complete(Call());
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->status, 200);
  EXPECT_EQ(outcome->text, "Hello from fake");
  EXPECT_EQ(json::parse(outcome->body).at("object"), "chat.completion");
  auto sent = fake.LastRequest();
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->authorization, "Bearer sk-primary");
  EXPECT_EQ(json::parse(sent->body).at("model"), "up-primary") << "the upstream's model name goes upstream";
  // The usage row is recorded when the outcome's settle is released (after the answer is out).
  EXPECT_TRUE(usage_.records().empty());
  ASSERT_TRUE(outcome->settle);
  outcome->settle.reset();
  auto records = usage_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].provider, "primary");
  EXPECT_EQ(records[0].model, "m");
  EXPECT_EQ(records[0].input_tokens, 7);
  EXPECT_EQ(records[0].output_tokens, 5);
  EXPECT_DOUBLE_EQ(records[0].cost, (7 * 2 + 5 * 10) / 1e6);
  EXPECT_EQ(records[0].status, 200);
}

TEST_F(GatewayTest, UsesTheCallersOwnKey) {
  FakeLlm fake;
  Use({Provider("primary", fake)});
  ASSERT_TRUE(Complete(Call(false, "u-own")));
  EXPECT_EQ(fake.LastRequest()->authorization, "Bearer sk-users-own");
}

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

TEST_F(GatewayTest, FallsBackOn500TimeoutAndRefusedConnection) {
  FakeLlm failing, hanging, good;
  failing.SetMode(FakeLlm::Mode::kFail500);
  hanging.SetMode(FakeLlm::Mode::kHang);
  ProviderSpec refused{.name = "refused", .base_url = "http://127.0.0.1:1/v1",
                       .models = {{.name = "m", .upstream_model = "x", .weight = 100}}};
  GatewaySettings settings{.timeouts = {.first_byte = 300ms}, .max_attempts = 4, .fallback_backoff = 1ms};
  Use({refused, Provider("failing", failing, 50), Provider("hanging", hanging, 20), Provider("good", good, 1)}, settings);
  auto outcome = Complete(Call());
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->provider, "good");
  EXPECT_EQ(failing.Requests(), 1);
  EXPECT_EQ(hanging.Requests(), 1);
  EXPECT_EQ(good.Requests(), 1);
  outcome->settle.reset();
  ASSERT_FALSE(usage_.records().empty());
  EXPECT_EQ(usage_.records().back().provider, "good");
}

TEST_F(GatewayTest, EveryDeploymentFailingIsAnError) {
  FakeLlm limited;
  limited.SetMode(FakeLlm::Mode::kFail429);
  Use({Provider("limited", limited)});
  auto outcome = Complete(Call());
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kRateLimited);
  ASSERT_EQ(usage_.records().size(), 1u);
  EXPECT_EQ(usage_.records()[0].status, 429);
  // A provider that cannot be reached is a bad gateway to the caller, recorded as what they were told.
  ProviderSpec unreachable{.name = "unreachable", .base_url = "http://127.0.0.1:1/v1",
                           .models = {{.name = "m", .upstream_model = "x"}}};
  Use({unreachable});
  auto refused = Complete(Call());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(usage_.records().back().status, 502);
}

TEST_F(GatewayTest, ADeploymentThatCannotTakeTheRequestIsPassedOver) {
  FakeLlm claude(FakeLlm::Kind::kAnthropic), gpt;
  Use({Provider("claude", claude, 100), Provider("gpt", gpt, 1)});
  ChatCall two = Call();
  two.body["n"] = 2;  // Anthropic has no n
  auto served = Complete(std::move(two));
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ(served->provider, "gpt");
  EXPECT_EQ(claude.Requests(), 0);
  Use({Provider("claude", claude)});
  ChatCall alone = Call();
  alone.body["n"] = 2;
  auto refused = Complete(std::move(alone));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << "no deployment could take it: the caller's mistake";
  EXPECT_EQ(refused.error().param, "n");
}

TEST_F(GatewayTest, AWholeAnswerThatBreaksBeforeTheClientHasAnyOfItFallsBack) {
  for (auto mode : {FakeLlm::Mode::kCloseAfterHeaders, FakeLlm::Mode::kMalformedJson, FakeLlm::Mode::kEndless}) {
    FakeLlm breaking, spare;
    breaking.SetMode(mode);
    Use({Provider("breaking", breaking, 100), Provider("spare", spare, 1)},
        GatewaySettings{.max_response_bytes = 1 << 20, .fallback_backoff = 1ms});
    auto outcome = Complete(Call());
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->provider, "spare");
    EXPECT_EQ(outcome->text, "Hello from fake");
    EXPECT_EQ(outcome->usage.output_tokens, 5) << "the answer's own usage, not the broken one's";
    EXPECT_EQ(breaking.Requests(), 1);
    outcome->settle.reset();
    ASSERT_EQ(usage_.records().size(), 1u) << "one call, one row";
    EXPECT_EQ(usage_.records()[0].provider, "spare");
    usage_.Clear();
  }
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

TEST_F(GatewayTest, MalformedAndEndlessResponsesGiveCleanErrors) {
  FakeLlm fake;
  Use({Provider("primary", fake)}, GatewaySettings{.max_response_bytes = 1 << 20});
  fake.SetMode(FakeLlm::Mode::kMalformedJson);
  auto malformed = Complete(Call());
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, ErrorCode::kUpstream);
  fake.SetMode(FakeLlm::Mode::kEndless);
  auto endless = Complete(Call());
  ASSERT_FALSE(endless);
  EXPECT_EQ(endless.error().code, ErrorCode::kUpstream) << "cut off at max_response_bytes";
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

TEST_F(GatewayTest, ARefusalPassesThroughWithoutFallback) {
  FakeLlm fake, spare;
  Use({Provider("primary", fake, 100), Provider("spare", spare, 1)});
  ChatCall call = Call();
  call.body["model"] = "unknown-model";
  auto unknown = Complete(std::move(call));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().param, "model");
  EXPECT_EQ(fake.Requests() + spare.Requests(), 0);
}

TEST_F(GatewayTest, ACallersMistakePassesThroughWithoutFallback) {
  FakeLlm picky, spare;
  picky.SetMode(FakeLlm::Mode::kRefuse);
  const std::string said =
      R"({"error":{"message":"max_tokens is too large","type":"invalid_request_error","param":"max_tokens","code":null}})";
  for (int status : {400, 413, 415, 422}) {
    picky.SetRefusal(status, said);
    Use({Provider("picky", picky, 100), Provider("spare", spare, 1)});
    auto outcome = Complete(Call());
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(outcome->status, status);
    EXPECT_EQ(outcome->body, said) << "the provider's own error, as it said it";
    EXPECT_EQ(usage_.records().back().status, status);
  }
  EXPECT_EQ(spare.Requests(), 0);
  // An error that is not OpenAI's error object is replaced by one: there is one error shape.
  for (std::string_view odd : {R"({"error":"bad"})", R"({"error":{"detail":"x"}})", "[1]", "<html>no</html>"}) {
    picky.SetRefusal(400, std::string(odd));
    Use({Provider("picky", picky)});
    auto outcome = Complete(Call());
    ASSERT_TRUE(outcome) << outcome.error().message;
    const json::value body = json::parse(outcome->body);
    EXPECT_EQ(body.at("error").at("message"), "the provider answered 400") << odd;
  }
}

TEST_F(GatewayTest, AProvidersOtherRefusalsAreItsFailureAndTheNextIsTried) {
  FakeLlm refusing, spare;
  refusing.SetMode(FakeLlm::Mode::kRefuse);
  for (int status : {401, 402, 403, 404, 405, 408, 409, 301}) {
    // Like OpenAI's own 401, the body quotes the key it was called with.
    refusing.SetRefusal(status, R"({"error":{"message":"Incorrect API key provided: sk-picky-secret","type":"x"}})");
    Use({Provider("refusing", refusing, 100), Provider("spare", spare, 1)});
    auto outcome = Complete(Call());
    ASSERT_TRUE(outcome) << status << ": " << outcome.error().message;
    EXPECT_EQ(outcome->provider, "spare") << status;
  }
  Use({Provider("refusing", refusing)});
  refusing.SetRefusal(401, R"({"error":{"message":"Incorrect API key provided: sk-picky-secret","type":"x"}})");
  auto alone = Complete(Call());
  ASSERT_FALSE(alone);
  EXPECT_EQ(alone.error().code, ErrorCode::kUpstream);
  EXPECT_NE(alone.error().message.find("refused the credentials"), std::string::npos) << alone.error().message;
  EXPECT_EQ(alone.error().message.find("sk-picky"), std::string::npos) << "the provider's words about a key stay out";
  EXPECT_EQ(usage_.records().back().status, 502);
  refusing.SetRefusal(408, "{}");
  auto slow = Complete(Call());
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
}

TEST_F(GatewayTest, TranslatesAnthropicBothWays) {
  FakeLlm claude(FakeLlm::Kind::kAnthropic);
  Use({Provider("claude", claude)});
  auto whole = Complete(Call());
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->text, "Hello from fake");
  const json::value body = json::parse(whole->body);
  EXPECT_EQ(body.at("usage").at("prompt_tokens"), 7);
  EXPECT_EQ(claude.LastRequest()->x_api_key, "sk-claude");
  EXPECT_TRUE(claude.LastRequest()->authorization.empty());

  CollectingSink sink;
  ChatOutcome streamed = Stream(Call(true), sink);
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.text, "Hello from fake");
  ASSERT_GE(sink.events.size(), 3u);
  EXPECT_EQ(json::parse(sink.events.front()).at("object"), "chat.completion.chunk");
  EXPECT_EQ(sink.events.back(), "[DONE]");
  EXPECT_EQ(usage_.records().back().output_tokens, 5);
}

TEST_F(GatewayTest, ToolCallsRoundTrip) {
  for (auto kind : {FakeLlm::Kind::kOpenAi, FakeLlm::Kind::kAnthropic}) {
    FakeLlm fake(kind);
    Use({Provider("p", fake)});
    ChatCall call = Call();
    call.body["tools"] = json::parse(
        R"([{"type":"function","function":{"name":"weather","description":"d","parameters":{"type":"object"}}}])");
    auto first = Complete(std::move(call));
    ASSERT_TRUE(first) << first.error().message;
    const json::value reply = json::parse(first->body);
    const auto& message = reply.at("choices").at(0).at("message");
    ASSERT_TRUE(message.as_object().contains("tool_calls")) << first->body;
    const auto& tool_call = message.at("tool_calls").at(0);
    EXPECT_EQ(tool_call.at("function").at("name"), "weather");
    EXPECT_EQ(json::parse(tool_call.at("function").at("arguments").as_string()).at("city"), "Paris");
    EXPECT_EQ(reply.at("choices").at(0).at("finish_reason"), "tool_calls");

    ChatCall answer = Call();
    answer.body["tools"] = json::parse(
        R"([{"type":"function","function":{"name":"weather","description":"d","parameters":{"type":"object"}}}])");
    auto& messages = answer.body["messages"].as_array();
    messages.push_back(message);
    messages.push_back(json::object{{"role", "tool"}, {"tool_call_id", tool_call.at("id")}, {"content", "sunny"}});
    auto second = Complete(std::move(answer));
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->text, "Hello from fake") << "the tool result went back and the model answered";
  }
}

TEST(ValidateChatRequestTest, NamesTheBadField) {
  auto check = [](const char* text) { return ValidateChatRequest(json::parse(text).as_object()); };
  EXPECT_TRUE(check(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"));
  EXPECT_EQ(check(R"({"messages":[{"role":"user","content":"x"}]})").error().param, "model");
  EXPECT_EQ(check(R"({"model":"m","messages":[]})").error().param, "messages");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})").error().param, "messages[0].role");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3})").error().param,
            "temperature");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":0})").error().param, "n");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})").error().param, "stream");
  EXPECT_EQ(check(R"({"model":"m","messages":[{"role":"tool","content":"x"}]})").error().param,
            "messages[0].tool_call_id");
  // Every checked parameter, after a valid start; null means absent.
  const std::string ok = R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  for (const auto& [member, param] : std::vector<std::pair<std::string, std::string>>{
           {R"("top_p":1.5)", "top_p"},
           {R"("presence_penalty":-3)", "presence_penalty"},
           {R"("frequency_penalty":"high")", "frequency_penalty"},
           {R"("max_tokens":0)", "max_tokens"},
           {R"("max_completion_tokens":2.5)", "max_completion_tokens"},
           {R"("stop":["a",1])", "stop"},
           {R"("stop":{"a":1})", "stop"},
           {R"("max_tokens":9223372036854775808)", "max_tokens"},  // above INT64_MAX: a 400, not a throw
           {R"("n":18446744073709551615)", "n"},
           {R"("max_tokens":-9223372036854775808)", "max_tokens"},
           {R"("tools":{})", "tools"},
           {R"("response_format":"json")", "response_format"},
           {R"("stream_options":true)", "stream_options"}}) {
    auto bad = check((ok + member + "}").c_str());
    ASSERT_FALSE(bad) << member;
    EXPECT_EQ(bad.error().param, param) << member;
  }
  EXPECT_TRUE(check((ok + R"("temperature":null,"stop":"x","tools":[],"n":2,"max_tokens":10})").c_str()));
  EXPECT_TRUE(check((ok + R"("stop":["a","b","c","d","e"]})").c_str())) << "how many is the provider's rule";
  // The checks keep their order whatever the members' order: the model is named first.
  EXPECT_EQ(check(R"({"temperature":9,"messages":[{"role":"user","content":"x"}]})").error().param, "model");
}

}  // namespace
}  // namespace chorus::llm
