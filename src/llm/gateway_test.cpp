// The gateway against fake OpenAI-compatible and Anthropic upstreams on loopback: whole answers,
// routing and fallback, refusals, a user's own key, Anthropic's translation, tool calls. Streams
// are in gateway_stream_test.cpp.
#include "llm/gateway.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>

#include "llm/gateway_test_fixture.h"

namespace chorus::llm {
namespace {

using namespace testing;

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

TEST_F(GatewayTest, FallsBackOn500TimeoutAndRefusedConnection) {
  FakeLlm failing, hanging, good;
  failing.SetMode(FakeLlm::Mode::kFail500);
  hanging.SetMode(FakeLlm::Mode::kHang);
  ProviderSpec refused{.name = "refused", .base_url = "http://127.0.0.1:1/v1",
                       .models = {{.name = "m", .upstream_model = "x", .weight = 100}}};
  GatewaySettings settings{.answer_timeout = 300ms, .max_attempts = 4, .fallback_backoff = 1ms};
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

// A whole answer's headers come only once it is written: it has answer_timeout for them, not the
// first-byte timeout of a stream (a slow answer abandoned there would be paid for twice).
TEST_F(GatewayTest, AWholeAnswerMayTakeLongerThanAStreamsFirstByte) {
  FakeLlm slow, spare;
  slow.SetDelay(400ms);
  Use({Provider("slow", slow, 10), Provider("spare", spare, 1)},
      GatewaySettings{.timeouts = {.first_byte = 100ms}, .answer_timeout = 5s, .fallback_backoff = 1ms});
  auto outcome = Complete(Call());
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->provider, "slow");
  EXPECT_EQ(spare.Requests(), 0);

  Use({Provider("slow", slow, 10), Provider("spare", spare, 1)},
      GatewaySettings{.timeouts = {.first_byte = 5s}, .answer_timeout = 100ms, .fallback_backoff = 1ms});
  outcome = Complete(Call());
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->provider, "spare") << "past answer_timeout the next deployment answers";
}

TEST_F(GatewayTest, AStreamThatSendsNoHeadersInTimeFallsBack) {
  FakeLlm hanging, good;
  hanging.SetMode(FakeLlm::Mode::kHang);
  Use({Provider("hanging", hanging, 10), Provider("good", good, 1)},
      GatewaySettings{.timeouts = {.first_byte = 200ms}, .answer_timeout = 1h, .fallback_backoff = 1ms});
  CollectingSink sink;
  ChatOutcome outcome = Stream(Call(true), sink);
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.provider, "good");
  EXPECT_EQ(hanging.Requests(), 1);
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

}  // namespace
}  // namespace chorus::llm
