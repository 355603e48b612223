// The fake LLM's Anthropic dialect: POST /v1/messages, as JSON or as named SSE events.
#include <boost/json.hpp>

#include <ctime>

#include "http/request.h"
#include "http/response.h"
#include "http/sse.h"
#include "tests/support/fake_llm.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view kToolArguments = R"({"city":"Paris"})";
constexpr std::chrono::milliseconds kTick{1};

// What one answer is made of. Built before the stream starts, so the producer needs no request.
struct Exchange {
  std::string id;
  std::string model;
  std::optional<std::string> tool;  // the tool to use, when the answer is a tool_use block
  std::string reply;
  std::vector<std::string> pieces;  // of the reply, or of the tool input's JSON
  int input_tokens = 0;
  int output_tokens = 0;
};

std::optional<json::object> ParseObject(const std::string& body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::string StringField(const json::object& object, std::string_view key, std::string_view fallback) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string(fallback);
}

bool BoolField(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_bool() && value->get_bool();
}

// Whether a message's content holds a tool_result block.
bool HasToolResult(const json::object& message) {
  const json::value* content = message.if_contains("content");
  if (!content || !content->is_array()) return false;
  for (const json::value& block : content->get_array()) {
    if (block.is_object() && StringField(block.get_object(), "type", "") == "tool_result") return true;
  }
  return false;
}

// The first tool's name when the model should use it: tools are offered and the last user message
// does not carry a tool result.
std::optional<std::string> ToolToUse(const json::object& request) {
  const json::value* tools = request.if_contains("tools");
  if (!tools || !tools->is_array() || tools->get_array().empty()) return std::nullopt;
  if (const json::value* messages = request.if_contains("messages"); messages && messages->is_array()) {
    const json::array& list = messages->get_array();
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      if (!it->is_object() || StringField(it->get_object(), "role", "") != "user") continue;
      if (HasToolResult(it->get_object())) return std::nullopt;
      break;
    }
  }
  const json::value& first = tools->get_array().front();
  return first.is_object() ? StringField(first.get_object(), "name", "tool") : std::string("tool");
}

json::object ToolUseBlock(const Exchange& x, json::value input) {
  json::object block;
  block["type"] = "tool_use";
  block["id"] = "toolu_1";
  block["name"] = *x.tool;
  block["input"] = std::move(input);
  return block;
}

json::object Usage(int input_tokens, int output_tokens) {
  json::object usage;
  usage["input_tokens"] = input_tokens;
  usage["output_tokens"] = output_tokens;
  return usage;
}

json::object MessageObject(const Exchange& x, json::array content, json::value stop_reason, json::object usage) {
  json::object message;
  message["id"] = x.id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = x.model;
  message["content"] = std::move(content);
  message["stop_reason"] = std::move(stop_reason);
  message["stop_sequence"] = nullptr;
  message["usage"] = std::move(usage);
  return message;
}

std::string StopReason(const Exchange& x) { return x.tool ? "tool_use" : "end_turn"; }

std::string Message(const Exchange& x) {
  json::array content;
  if (x.tool) {
    json::object input;
    input["city"] = "Paris";
    content.push_back(ToolUseBlock(x, std::move(input)));
  } else {
    json::object text;
    text["type"] = "text";
    text["text"] = x.reply;
    content.push_back(std::move(text));
  }
  return json::serialize(
      MessageObject(x, std::move(content), json::value(StopReason(x)), Usage(x.input_tokens, x.output_tokens)));
}

std::string MessageStart(const Exchange& x) {
  json::object event;
  event["type"] = "message_start";
  event["message"] = MessageObject(x, json::array(), nullptr, Usage(x.input_tokens, 1));
  return json::serialize(event);
}

std::string BlockStart(const Exchange& x) {
  json::object block;
  if (x.tool) {
    block = ToolUseBlock(x, json::object());
  } else {
    block["type"] = "text";
    block["text"] = "";
  }
  json::object event;
  event["type"] = "content_block_start";
  event["index"] = 0;
  event["content_block"] = std::move(block);
  return json::serialize(event);
}

std::string Ping() { return R"({"type":"ping"})"; }

std::string BlockDelta(const Exchange& x, std::string_view piece) {
  json::object delta;
  if (x.tool) {
    delta["type"] = "input_json_delta";
    delta["partial_json"] = piece;
  } else {
    delta["type"] = "text_delta";
    delta["text"] = piece;
  }
  json::object event;
  event["type"] = "content_block_delta";
  event["index"] = 0;
  event["delta"] = std::move(delta);
  return json::serialize(event);
}

std::string BlockStop() { return R"({"type":"content_block_stop","index":0})"; }

std::string MessageDelta(const Exchange& x) {
  json::object delta;
  delta["stop_reason"] = StopReason(x);
  delta["stop_sequence"] = nullptr;
  json::object usage;
  usage["output_tokens"] = x.output_tokens;
  json::object event;
  event["type"] = "message_delta";
  event["delta"] = std::move(delta);
  event["usage"] = std::move(usage);
  return json::serialize(event);
}

std::string MessageStop() { return R"({"type":"message_stop"})"; }

}  // namespace

Task<http::Response> FakeLlm::AnthropicMessages(http::Request& request) {
  const int n = Record(request);
  if (std::optional<http::Response> denied = Unauthorized(request)) co_return std::move(*denied);
  const Config config = Snapshot();
  std::optional<json::object> body = ParseObject(request.body());
  if (!body) co_return ProviderError(400, "invalid_request_error", "The request body is not a JSON object.");
  const bool stream = BoolField(*body, "stream");
  std::optional<http::Response> bad = co_await Misbehave(config, stream);
  if (bad) co_return std::move(*bad);

  Exchange x;
  x.id = "msg_fake" + std::to_string(n);
  x.model = StringField(*body, "model", "fake-model");
  x.tool = ToolToUse(*body);
  x.reply = config.reply;
  x.pieces = SplitPieces(x.tool ? kToolArguments : std::string_view(config.reply), config.chunks);
  x.input_tokens = config.prompt_tokens;
  x.output_tokens = config.completion_tokens;

  if (!stream) {
    co_await Sleep(config.delay);
    co_return http::Response::Json(200, Message(x));
  }
  const std::chrono::milliseconds delay = config.burst ? std::chrono::milliseconds(0) : config.delay;
  const bool endless = config.mode == Mode::kEndless;
  // (GCC 12 miscompiles a co_await inside an if or while condition: results go to `open` first.)
  auto produce = [this, x, delay, endless](http::SseWriter& out) -> Task<void> {
    int sent = 0;
    bool open = co_await Emit(out, sent, delay, MessageStart(x), "message_start");
    if (open) open = co_await Emit(out, sent, delay, BlockStart(x), "content_block_start");
    if (open) open = co_await Emit(out, sent, delay, Ping(), "ping");
    if (endless) {
      const std::string piece = BlockDelta(x, "x");
      while (open) open = co_await Emit(out, sent, kTick, piece, "content_block_delta");
      co_return;
    }
    for (size_t i = 0; open && i < x.pieces.size(); ++i) {
      open = co_await Emit(out, sent, delay, BlockDelta(x, x.pieces[i]), "content_block_delta");
    }
    if (open) open = co_await Emit(out, sent, delay, BlockStop(), "content_block_stop");
    if (open) open = co_await Emit(out, sent, delay, MessageDelta(x), "message_delta");
    if (open) co_await Emit(out, sent, delay, MessageStop(), "message_stop");
  };
  co_return StreamResponse(std::move(produce), config.burst && !endless);
}

}  // namespace chorus::testing
