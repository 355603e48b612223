#include "llm/anthropic.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chorus::llm::anthropic {
namespace {

namespace json = boost::json;

json::value Parse(std::string_view text) { return json::parse(text); }

// The Anthropic request for an OpenAI request, parsed back for comparison.
json::value Translate(std::string_view openai_request, bool stream = false) {
  Result<std::string> result = RequestFromOpenAi(Parse(openai_request).as_object(), "claude-up", stream);
  if (!result) {
    ADD_FAILURE() << result.error().message;
    return nullptr;
  }
  return Parse(*result);
}

// The "messages" of the Anthropic request for these OpenAI messages.
json::value Messages(std::string_view openai_messages) {
  json::value out = Translate(R"({"model":"m","messages":)" + std::string(openai_messages) + "}");
  return out.is_object() ? out.as_object()["messages"] : nullptr;
}

TEST(AnthropicRequestTest, SystemAndDeveloperMessagesJoinIntoTopLevelSystem) {
  const json::value out = Translate(R"({"model":"gpt-4o","messages":[
      {"role":"system","content":"Be brief."},
      {"role":"user","content":"Hi"},
      {"role":"developer","content":[{"type":"text","text":"Answer in French."}]}]})",
                                    /*stream=*/true);
  EXPECT_EQ(out, Parse(R"({"model":"claude-up","max_tokens":4096,"stream":true,
      "system":"Be brief.\n\nAnswer in French.",
      "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]})"))
      << out;
}

TEST(AnthropicRequestTest, ConsecutiveSameRoleMessagesMergeSoRolesAlternate) {
  EXPECT_EQ(Messages(R"([{"role":"user","content":"a"},{"role":"user","content":[{"type":"text","text":"b"}]},
                         {"role":"assistant","content":"c"},{"role":"assistant","content":""},
                         {"role":"user","content":"d"}])"),
            Parse(R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
                      {"role":"assistant","content":[{"type":"text","text":"c"}]},
                      {"role":"user","content":[{"type":"text","text":"d"}]}])"));
}

TEST(AnthropicRequestTest, ImagePartsBecomeBase64OrUrlSources) {
  EXPECT_EQ(Messages(R"([{"role":"user","content":[
                {"type":"text","text":"What is this?"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}},
                {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"low"}}]}])"),
            Parse(R"([{"role":"user","content":[{"type":"text","text":"What is this?"},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0K"}},
                {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}])"));
}

TEST(AnthropicRequestTest, ToolCallsBecomeToolUseAndToolMessagesMergeIntoOneUserTurn) {
  EXPECT_EQ(Messages(R"([{"role":"user","content":"Weather in Paris and Rome?"},
      {"role":"assistant","content":null,"tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
        {"id":"call_2","type":"function","function":{"name":"weather","arguments":""}}]},
      {"role":"tool","tool_call_id":"call_1","content":"18C"},
      {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
      {"role":"user","content":"Thanks"}])"),
            Parse(R"([{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
      {"role":"assistant","content":[
        {"type":"tool_use","id":"call_1","name":"weather","input":{"city":"Paris"}},
        {"type":"tool_use","id":"call_2","name":"weather","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                                {"type":"tool_result","tool_use_id":"call_2","content":"21C"},
                                {"type":"text","text":"Thanks"}]}])"));
}

TEST(AnthropicRequestTest, ToolsAndToolChoiceMap) {
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"weather","description":"Forecast",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
      {"type":"function","function":{"name":"now"}}])";
  const json::value out = Translate(R"({"model":"m","messages":[{"role":"user","content":"x"}],)" + tools + "}");
  EXPECT_EQ(out.at("tools"), Parse(R"([{"name":"weather","description":"Forecast",
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
      {"name":"now","input_schema":{"type":"object","properties":{}}}])"));
  EXPECT_FALSE(out.as_object().contains("tool_choice"));

  struct Case {
    const char* extra;
    const char* want;
  };
  const Case cases[] = {
      {R"("tool_choice":"auto")", R"({"type":"auto"})"},
      {R"("tool_choice":"required")", R"({"type":"any"})"},
      {R"("tool_choice":"none")", R"({"type":"none"})"},
      {R"("tool_choice":{"type":"function","function":{"name":"now"}})", R"({"type":"tool","name":"now"})"},
      {R"("parallel_tool_calls":false)", R"({"type":"auto","disable_parallel_tool_use":true})"},
      {R"("tool_choice":"required","parallel_tool_calls":false)", R"({"type":"any","disable_parallel_tool_use":true})"},
  };
  for (const Case& c : cases) {
    const json::value got =
        Translate(R"({"model":"m","messages":[{"role":"user","content":"x"}],)" + tools + "," + c.extra + "}");
    EXPECT_EQ(got.at("tool_choice"), Parse(c.want)) << c.extra;
  }
}

TEST(AnthropicRequestTest, WhitespaceOnlyTextIsLeftOut) {
  const json::value out = Translate(R"({"messages":[{"role":"user","content":"What is the weather?"},
      {"role":"assistant","content":"\n\n","tool_calls":[{"id":"call_1","type":"function",
       "function":{"name":"weather","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"Sunny"},
      {"role":"user","content":[{"type":"text","text":" \t"},{"type":"text","text":"Thanks"}]}]})");
  const json::array& messages = out.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u) << out;
  EXPECT_EQ(messages[1].at("content"),
            Parse(R"([{"type":"tool_use","id":"call_1","name":"weather","input":{}}])")) << "no whitespace block";
  const json::array& last = messages[2].at("content").as_array();
  ASSERT_EQ(last.size(), 2u) << messages[2];
  EXPECT_EQ(last[0].at("type"), "tool_result");
  EXPECT_EQ(last[1], Parse(R"({"type":"text","text":"Thanks"})"));
}

TEST(AnthropicRequestTest, SamplingLimitsStopAndUserMap) {
  const json::value out = Translate(R"({"model":"m","messages":[{"role":"user","content":"x"}],
      "max_tokens":100,"max_completion_tokens":200,"temperature":0.5,"top_p":0.9,"n":1,
      "stop":["END","STOP"],"user":"user-42","frequency_penalty":0.1,"seed":7})");
  EXPECT_EQ(out, Parse(R"({"model":"claude-up","max_tokens":200,"temperature":0.5,"top_p":0.9,
      "stop_sequences":["END","STOP"],"metadata":{"user_id":"user-42"},"stream":false,
      "messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]})"))
      << out;
  EXPECT_EQ(Translate(R"({"messages":[{"role":"user","content":"x"}],"temperature":1.6})").at("temperature"), 1)
      << "OpenAI's temperature runs to 2, Anthropic's to 1";
  EXPECT_EQ(Translate(R"({"messages":[{"role":"user","content":"x"}],"temperature":1})").at("temperature"), 1);
  EXPECT_EQ(Translate(R"({"messages":[{"role":"user","content":"x"}],"temperature":0})").at("temperature"), 0);
  const json::value single = Translate(R"({"messages":[{"role":"user","content":"x"}],"stop":"END","max_tokens":9})");
  EXPECT_EQ(single.at("stop_sequences"), Parse(R"(["END"])"));
  EXPECT_EQ(single.at("max_tokens"), 9);
}

TEST(AnthropicRequestTest, ResponseFormatJsonAddsASystemInstruction) {
  const json::value object_mode = Translate(R"({"messages":[{"role":"system","content":"Be exact."},
      {"role":"user","content":"x"}],"response_format":{"type":"json_object"}})");
  const std::string system(object_mode.at("system").as_string());
  EXPECT_TRUE(system.starts_with("Be exact.\n\nRespond with a single valid JSON object")) << system;

  const json::value schema_mode = Translate(R"({"messages":[{"role":"user","content":"x"}],
      "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}}})");
  EXPECT_NE(schema_mode.at("system").as_string().find(R"(JSON Schema: {"type":"object"})"), std::string::npos)
      << schema_mode;
  const json::value text_mode =
      Translate(R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}})");
  EXPECT_FALSE(text_mode.as_object().contains("system"));
}

TEST(AnthropicRequestTest, InvalidRequestsNameTheFieldAtFault) {
  struct Case {
    const char* request;
    const char* param;
  };
  const Case cases[] = {
      {R"({"messages":[{"role":"user","content":"x"}],"n":2})", "n"},
      {R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens"},
      {R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":"9"})", "max_completion_tokens"},
      {R"({"messages":[{"role":"user","content":"x"}],"temperature":"hot"})", "temperature"},
      {R"({"messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web"}]})", "tools"},
      {R"({"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],
           "tool_choice":"sometimes"})",
       "tool_choice"},
      {R"({"messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}})", "response_format"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function",
           "function":{"name":"f","arguments":"{not json"}}]}]})",
       "messages"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function",
           "function":{"name":"f","arguments":"[1,2]"}}]}]})",
       "messages"},
      {R"({"messages":[{"role":"wizard","content":"x"}]})", "messages"},
      {R"({"messages":[{"role":"tool","content":"x"}]})", "messages"},
      {R"({"messages":[{"role":"user","content":[{"type":"input_audio"}]}]})", "messages"},
      {R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]})", "messages"},
      {R"({"messages":[{"role":"system","content":"only a system prompt"}]})", "messages"},
  };
  for (const Case& c : cases) {
    Result<std::string> result = RequestFromOpenAi(Parse(c.request).as_object(), "claude-up", false);
    ASSERT_FALSE(result.has_value()) << c.request;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << c.request;
    EXPECT_EQ(result.error().param, c.param) << c.request;
    EXPECT_FALSE(result.error().message.empty());
  }
}

TEST(AnthropicResponseTest, TextReplyBecomesAChatCompletionWithUsage) {
  Usage usage;
  Result<std::string> out = ResponseToOpenAi(R"({"id":"msg_01","type":"message","role":"assistant",
      "model":"claude-x","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
      {"type":"text","text":"Hello"},{"type":"text","text":", world"}],"stop_reason":"end_turn",
      "stop_sequence":null,"usage":{"input_tokens":12,"cache_read_input_tokens":3,"output_tokens":5}})",
                                             "gpt-4o", 1700000000, &usage);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(Parse(*out), Parse(R"({"id":"chatcmpl-msg_01","object":"chat.completion","created":1700000000,
      "model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world","refusal":null},
      "logprobs":null,"finish_reason":"stop"}],
      "usage":{"prompt_tokens":15,"completion_tokens":5,"total_tokens":20}})"))
      << *out;
  EXPECT_EQ(usage.input_tokens, 15);
  EXPECT_EQ(usage.output_tokens, 5);
  EXPECT_TRUE(usage.reported);
}

TEST(AnthropicResponseTest, CountsOutsideWhatARowHoldsAreClamped) {
  Usage usage;
  Result<std::string> out = ResponseToOpenAi(R"({"id":"m","content":[],"usage":{
      "input_tokens":9223372036854775807,"cache_creation_input_tokens":9223372036854775807,
      "cache_read_input_tokens":1,"output_tokens":-4}})",
                                             "gpt-4o", 1, &usage);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(usage.input_tokens, kMaxTokens) << "the sum saturates instead of overflowing";
  EXPECT_EQ(usage.output_tokens, 0);
  EXPECT_EQ(Parse(*out).at("usage").at("total_tokens").as_int64(), kMaxTokens);
}

TEST(AnthropicResponseTest, ToolUseRoundTripsThroughOpenAiAndBack) {
  const std::string tool_use = R"({"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}})";
  Result<std::string> out =
      ResponseToOpenAi(R"({"id":"msg_02","content":[)" + tool_use +
                           R"(],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}})",
                       "gpt-4o", 1, nullptr);
  ASSERT_TRUE(out.has_value()) << out.error().message;
  const json::value choice = Parse(*out).at("choices").at(0);
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  const json::value& message = choice.at("message");
  EXPECT_TRUE(message.at("content").is_null());
  EXPECT_EQ(message.at("tool_calls"), Parse(R"([{"id":"toolu_1","type":"function",
      "function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}])"));

  // The client sends the assistant message back with the tool's answer: the same tool_use returns.
  const json::value messages = Messages(R"([{"role":"user","content":"Weather?"},)" + json::serialize(message) +
                                        R"(,{"role":"tool","tool_call_id":"toolu_1","content":"18C"}])");
  EXPECT_EQ(messages.at(1), Parse(R"({"role":"assistant","content":[)" + tool_use + "]}"));
  EXPECT_EQ(messages.at(2), Parse(R"({"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"}]})"));
}

TEST(AnthropicResponseTest, StopReasonsMapToFinishReasons) {
  EXPECT_EQ(FinishReason("end_turn"), "stop");
  EXPECT_EQ(FinishReason("stop_sequence"), "stop");
  EXPECT_EQ(FinishReason("max_tokens"), "length");
  EXPECT_EQ(FinishReason("tool_use"), "tool_calls");
  EXPECT_EQ(FinishReason("refusal"), "content_filter");
  EXPECT_EQ(FinishReason("something_new"), "stop");
}

TEST(AnthropicResponseTest, MalformedBodiesAreUpstreamErrors) {
  for (const char* body : {"", "not json", "[]", R"({"id":"m"})", R"({"id":"m","content":[1]})",
                           R"({"id":"m","content":[{"type":"tool_use","input":{}}]})"}) {
    Result<std::string> out = ResponseToOpenAi(body, "gpt-4o", 1, nullptr);
    ASSERT_FALSE(out.has_value()) << body;
    EXPECT_EQ(out.error().code, ErrorCode::kUpstream) << body;
  }
}

TEST(AnthropicResponseTest, ErrorMessageReadsTheAnthropicErrorShape) {
  EXPECT_EQ(
      ErrorMessage(R"({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"}})"),
      "max_tokens: too big");
  EXPECT_EQ(ErrorMessage("<html>502 Bad Gateway</html>"), "the upstream model provider returned an error");
  EXPECT_EQ(ErrorMessage(R"({"error":"nope"})"), "the upstream model provider returned an error");
}

// Feeds (event, data) pairs and returns every chunk, parsed.
std::vector<json::value> Feed(StreamTranslator& t, const std::vector<std::pair<const char*, const char*>>& events) {
  std::vector<std::string> out;
  for (const auto& [event, data] : events) {
    const Status status = t.OnEvent(event, data, out);
    EXPECT_TRUE(status.has_value()) << event << ": " << status.error().message;
  }
  std::vector<json::value> chunks;
  for (const std::string& chunk : out) chunks.push_back(Parse(chunk));
  return chunks;
}

const char* const kMessageStart =
    R"({"type":"message_start","message":{"id":"msg_7","type":"message","role":"assistant","content":[],
        "model":"claude-x","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}})";

TEST(AnthropicStreamTest, TextStreamBecomesChunksEndingWithUsage) {
  std::string text;
  StreamTranslator t("gpt-4o", 1700000000, /*include_usage=*/true, &text);
  const std::vector<json::value> chunks =
      Feed(t, {
                  {"message_start", kMessageStart},
                  {"content_block_start",
                   R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
                  {"ping", R"({"type":"ping"})"},
                  {"content_block_delta",
                   R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}})"},
                  {"", R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}})"},
                  {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
                  {"message_delta",
                   R"({"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":9}})"},
                  {"message_stop", R"({"type":"message_stop"})"},
              });
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks[0], Parse(R"({"id":"chatcmpl-msg_7","object":"chat.completion.chunk","created":1700000000,
      "model":"gpt-4o","usage":null,"choices":[{"index":0,"delta":{"role":"assistant","content":""},
      "logprobs":null,"finish_reason":null}]})"))
      << chunks[0];
  EXPECT_EQ(chunks[1].at("choices").at(0).at("delta"), Parse(R"({"content":"Hel"})"));
  EXPECT_EQ(chunks[2].at("choices").at(0).at("delta"), Parse(R"({"content":"lo"})"));
  EXPECT_EQ(chunks[3].at("choices").at(0), Parse(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"length"})"));
  EXPECT_EQ(chunks[4], Parse(R"({"id":"chatcmpl-msg_7","object":"chat.completion.chunk","created":1700000000,
      "model":"gpt-4o","choices":[],"usage":{"prompt_tokens":25,"completion_tokens":9,"total_tokens":34}})"))
      << chunks[4];
  EXPECT_TRUE(t.done());
  EXPECT_EQ(text, "Hello");
  EXPECT_EQ(t.usage().input_tokens, 25);
  EXPECT_EQ(t.usage().output_tokens, 9);
  EXPECT_TRUE(t.usage().reported);
}

TEST(AnthropicStreamTest, ToolUseBlocksBecomeIndexedToolCallDeltas) {
  std::string text;
  StreamTranslator t("gpt-4o", 5, /*include_usage=*/false, &text);
  const std::vector<json::value> chunks =
      Feed(t, {
                  {"message_start", kMessageStart},
                  {"content_block_start",
                   R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
                  {"content_block_delta",
                   R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Ok."}})"},
                  {"content_block_start", R"({"type":"content_block_start","index":1,
          "content_block":{"type":"tool_use","id":"toolu_a","name":"weather","input":{}}})"},
                  {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":""}})"},
                  {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":"{\"city\":"}})"},
                  {"content_block_start", R"({"type":"content_block_start","index":2,
          "content_block":{"type":"tool_use","id":"toolu_b","name":"now","input":{}}})"},
                  {"content_block_delta", R"({"type":"content_block_delta","index":1,
          "delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}})"},
                  {"message_delta",
                   R"({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}})"},
                  {"message_stop", R"({"type":"message_stop"})"},
              });
  ASSERT_EQ(chunks.size(), 7u);
  auto delta = [&](size_t i) { return chunks[i].at("choices").at(0).at("delta"); };
  EXPECT_EQ(delta(1), Parse(R"({"content":"Ok."})"));
  EXPECT_EQ(delta(2), Parse(R"({"tool_calls":[{"index":0,"id":"toolu_a","type":"function",
      "function":{"name":"weather","arguments":""}}]})"));
  EXPECT_EQ(delta(3), Parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]})"));
  EXPECT_EQ(delta(4), Parse(R"({"tool_calls":[{"index":1,"id":"toolu_b","type":"function",
      "function":{"name":"now","arguments":""}}]})"));
  EXPECT_EQ(delta(5), Parse(R"({"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]})"));
  EXPECT_EQ(chunks[6].at("choices").at(0).at("finish_reason"), "tool_calls");
  for (const json::value& chunk : chunks) EXPECT_FALSE(chunk.as_object().contains("usage")) << chunk;
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.usage().output_tokens, 30);
  EXPECT_EQ(text, "Ok.");
}

TEST(AnthropicStreamTest, ErrorEventsAndMalformedDataAreUpstreamErrors) {
  std::vector<std::string> out;
  StreamTranslator t("gpt-4o", 5, false);
  ASSERT_TRUE(t.OnEvent("message_start", kMessageStart, out).has_value());
  const Status overloaded =
      t.OnEvent("error", R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", out);
  ASSERT_FALSE(overloaded.has_value());
  EXPECT_EQ(overloaded.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(overloaded.error().message, "Overloaded");

  const Status garbage = t.OnEvent("content_block_delta", "{not json", out);
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::kUpstream);

  StreamTranslator unstarted("gpt-4o", 5, false);
  const Status early =
      unstarted.OnEvent("content_block_delta",
                        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}})", out);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kUpstream);
  EXPECT_EQ(out.size(), 1u);  // only message_start's chunk
  EXPECT_FALSE(t.done());
}

}  // namespace
}  // namespace chorus::llm::anthropic
