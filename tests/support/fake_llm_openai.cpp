// The fake LLM's OpenAI dialect: POST /v1/chat/completions, as JSON or as SSE chunks.
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
constexpr std::string_view kNoEvent;
constexpr std::chrono::milliseconds kTick{1};

// What one answer is made of. Built before the stream starts, so the producer needs no request.
struct Exchange {
  std::string id;
  int64_t created = 0;
  std::string model;
  std::optional<std::string> tool;  // the function to call, when the answer is a tool call
  bool include_usage = false;
  std::string reply;
  std::vector<std::string> pieces;  // of the reply, or of the tool arguments
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int reasoning_tokens = 0;
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

// The first tool's name when the model should call it: tools are offered and the conversation does
// not end in a tool result.
std::optional<std::string> ToolToCall(const json::object& request) {
  const json::value* tools = request.if_contains("tools");
  if (!tools || !tools->is_array() || tools->get_array().empty()) return std::nullopt;
  if (const json::value* messages = request.if_contains("messages");
      messages && messages->is_array() && !messages->get_array().empty()) {
    const json::value& last = messages->get_array().back();
    if (last.is_object() && StringField(last.get_object(), "role", "") == "tool") return std::nullopt;
  }
  const json::value& first = tools->get_array().front();
  if (first.is_object()) {
    if (const json::value* function = first.get_object().if_contains("function"); function && function->is_object()) {
      return StringField(function->get_object(), "name", "tool");
    }
  }
  return "tool";
}

json::object Usage(const Exchange& x) {
  json::object usage;
  usage["prompt_tokens"] = x.prompt_tokens;
  usage["completion_tokens"] = x.completion_tokens;
  usage["total_tokens"] = x.prompt_tokens + x.completion_tokens;
  usage["completion_tokens_details"] = json::object{{"reasoning_tokens", x.reasoning_tokens}};
  return usage;
}

json::object ToolCall(const Exchange& x, std::string_view arguments, bool first) {
  json::object function;
  if (first) function["name"] = *x.tool;
  function["arguments"] = arguments;
  json::object call;
  if (first) {
    call["index"] = 0;
    call["id"] = "call_1";
    call["type"] = "function";
  } else {
    call["index"] = 0;
  }
  call["function"] = std::move(function);
  return call;
}

std::string Completion(const Exchange& x) {
  json::object message;
  message["role"] = "assistant";
  if (x.tool) {
    message["content"] = nullptr;
    json::array calls;
    json::object call = ToolCall(x, kToolArguments, true);
    call.erase("index");  // only stream deltas carry one
    calls.push_back(std::move(call));
    message["tool_calls"] = std::move(calls);
  } else {
    message["content"] = x.reply;
  }
  json::object choice;
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["finish_reason"] = x.tool ? "tool_calls" : "stop";
  choice["logprobs"] = nullptr;
  json::array choices;
  choices.push_back(std::move(choice));
  json::object body;
  body["id"] = x.id;
  body["object"] = "chat.completion";
  body["created"] = x.created;
  body["model"] = x.model;
  body["choices"] = std::move(choices);
  body["usage"] = Usage(x);
  return json::serialize(body);
}

// One chat.completion.chunk; `finish` is null or the finish reason. With include_usage every chunk
// but the last carries "usage":null, as OpenAI's do.
std::string Chunk(const Exchange& x, json::object delta, json::value finish) {
  json::object choice;
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = std::move(finish);
  json::array choices;
  choices.push_back(std::move(choice));
  json::object chunk;
  chunk["id"] = x.id;
  chunk["object"] = "chat.completion.chunk";
  chunk["created"] = x.created;
  chunk["model"] = x.model;
  chunk["choices"] = std::move(choices);
  if (x.include_usage) chunk["usage"] = nullptr;
  return json::serialize(chunk);
}

std::string RoleChunk(const Exchange& x) {
  json::object delta;
  delta["role"] = "assistant";
  if (x.tool) {
    delta["content"] = nullptr;
    json::array calls;
    calls.push_back(ToolCall(x, "", true));
    delta["tool_calls"] = std::move(calls);
  } else {
    delta["content"] = "";
  }
  return Chunk(x, std::move(delta), nullptr);
}

std::string PieceChunk(const Exchange& x, std::string_view piece) {
  json::object delta;
  if (x.tool) {
    json::array calls;
    calls.push_back(ToolCall(x, piece, false));
    delta["tool_calls"] = std::move(calls);
  } else {
    delta["content"] = piece;
  }
  return Chunk(x, std::move(delta), nullptr);
}

std::string FinishChunk(const Exchange& x) {
  return Chunk(x, json::object(), json::value(x.tool ? "tool_calls" : "stop"));
}

std::string UsageChunk(const Exchange& x) {
  json::object chunk;
  chunk["id"] = x.id;
  chunk["object"] = "chat.completion.chunk";
  chunk["created"] = x.created;
  chunk["model"] = x.model;
  chunk["choices"] = json::array();
  chunk["usage"] = Usage(x);
  return json::serialize(chunk);
}

}  // namespace

Task<http::Response> FakeLlm::OpenAiChat(http::Request& request) {
  const int n = Record(request);
  const Config config = Snapshot();
  std::optional<json::object> body = ParseObject(request.body());
  if (!body) co_return ProviderError(400, "invalid_request_error", "The request body is not a JSON object.");
  const bool stream = BoolField(*body, "stream");
  std::optional<http::Response> bad = co_await Misbehave(config, stream);
  if (bad) co_return std::move(*bad);

  Exchange x;
  x.id = "chatcmpl-fake" + std::to_string(n);
  x.created = static_cast<int64_t>(std::time(nullptr));
  x.model = StringField(*body, "model", "fake-model");
  x.tool = ToolToCall(*body);
  if (const json::value* options = body->if_contains("stream_options"); options && options->is_object()) {
    x.include_usage = BoolField(options->get_object(), "include_usage");
  }
  x.reply = config.reply;
  x.pieces = SplitPieces(x.tool ? kToolArguments : std::string_view(config.reply), config.chunks);
  x.prompt_tokens = config.prompt_tokens;
  x.completion_tokens = config.completion_tokens;
  x.reasoning_tokens = config.reasoning_tokens;

  if (!stream) {
    co_await Sleep(config.delay);
    co_return http::Response::Json(200, Completion(x));
  }
  const std::chrono::milliseconds delay = config.burst ? std::chrono::milliseconds(0) : config.delay;
  const bool endless = config.mode == Mode::kEndless;
  // (GCC 12 miscompiles a co_await inside an if or while condition: results go to `open` first.)
  const bool no_done = config.no_done;
  auto produce = [this, x, delay, endless, no_done](http::SseWriter& out) -> Task<void> {
    int sent = 0;
    bool open = co_await Emit(out, sent, delay, RoleChunk(x), kNoEvent);
    if (endless) {
      const std::string piece = PieceChunk(x, "x");
      while (open) open = co_await Emit(out, sent, kTick, piece, kNoEvent);
      co_return;
    }
    for (size_t i = 0; open && i < x.pieces.size(); ++i) {
      open = co_await Emit(out, sent, delay, PieceChunk(x, x.pieces[i]), kNoEvent);
    }
    if (open) open = co_await Emit(out, sent, delay, FinishChunk(x), kNoEvent);
    if (open && x.include_usage) open = co_await Emit(out, sent, delay, UsageChunk(x), kNoEvent);
    const std::string done = "[DONE]";
    if (open && !no_done) co_await Emit(out, sent, delay, done, kNoEvent);
  };
  co_return StreamResponse(std::move(produce), config.burst && !endless);
}

}  // namespace chorus::testing
