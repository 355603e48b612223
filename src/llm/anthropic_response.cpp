// Anthropic Messages responses (whole and streamed) -> OpenAI chat completions. See anthropic.h.
#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <utility>

#include "llm/anthropic.h"

namespace chorus::llm::anthropic {
namespace {

namespace json = boost::json;

constexpr std::string_view kGenericError = "the upstream model provider returned an error";

Unexpected Malformed(std::string_view what) {
  return Unexpected(ErrorCode::kUpstream, "the upstream returned a malformed response: " + std::string(what));
}

std::string_view StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

int64_t IntField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

const json::object* ObjectField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

// Parses `text` as a JSON object; nullptr (with `holder` unspecified) when it is not one.
const json::object* ParseObject(std::string_view text, json::value& holder) {
  boost::system::error_code ec;
  holder = json::parse(text, ec);
  return ec ? nullptr : holder.if_object();
}

// Folds an Anthropic usage object into `usage`. Prompt tokens are the sum of uncached, cache-written and
// cache-read tokens, as OpenAI counts them. Streamed counts are cumulative and some gateways report
// input tokens only at the end, so the largest count seen wins.
void ReadUsage(const json::object& u, Usage& usage) {
  auto count = [&u](std::string_view key) { return ClampTokens(IntField(u, key)); };
  const int64_t input = ClampTokens(count("input_tokens") + count("cache_creation_input_tokens") +
                                    count("cache_read_input_tokens"));
  usage.input_tokens = std::max(usage.input_tokens, input);
  usage.output_tokens = std::max(usage.output_tokens, count("output_tokens"));
  usage.reported = true;
}

json::object OpenAiUsage(const Usage& u) {
  return {{"prompt_tokens", u.input_tokens},
          {"completion_tokens", u.output_tokens},
          {"total_tokens", u.input_tokens + u.output_tokens}};
}

Result<json::object> ToolCall(const json::object& block) {
  const std::string_view id = StringField(block, "id");
  const std::string_view name = StringField(block, "name");
  if (id.empty() || name.empty()) return Malformed("a tool_use block without id or name");
  const json::object* input = ObjectField(block, "input");
  json::object function{{"name", name}, {"arguments", input != nullptr ? json::serialize(*input) : "{}"}};
  return json::object{{"id", id}, {"type", "function"}, {"function", std::move(function)}};
}

// The assistant message of a reply: text blocks concatenated, tool_use blocks as tool_calls. Thinking
// and server-tool blocks have no OpenAI equivalent and are dropped.
Result<json::object> ReplyMessage(const json::array& content) {
  std::string text;
  json::array tool_calls;
  for (const json::value& block : content) {
    const json::object* b = block.if_object();
    if (b == nullptr) return Malformed("a content block is not an object");
    const std::string_view type = StringField(*b, "type");
    if (type == "text") text += StringField(*b, "text");
    if (type != "tool_use") continue;
    CHORUS_ASSIGN_OR_RETURN(json::object call, ToolCall(*b));
    tool_calls.push_back(std::move(call));
  }
  json::object message{{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  if (text.empty() && !tool_calls.empty()) message["content"] = nullptr;
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  return message;
}

}  // namespace

std::string_view FinishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and reasons added after this was written
}

Result<std::string> ResponseToOpenAi(std::string_view body, std::string_view model, int64_t created, Usage* usage) {
  json::value holder;
  const json::object* message = ParseObject(body, holder);
  if (message == nullptr) return Malformed("the body is not a JSON object");
  const json::value* content = message->if_contains("content");
  const std::string_view id = StringField(*message, "id");
  if (id.empty() || content == nullptr || !content->is_array()) return Malformed("no message id or content");
  CHORUS_ASSIGN_OR_RETURN(json::object reply, ReplyMessage(content->get_array()));
  Usage counted;
  if (const json::object* u = ObjectField(*message, "usage")) ReadUsage(*u, counted);
  if (usage != nullptr) *usage = counted;
  json::object choice{{"index", 0},
                      {"message", std::move(reply)},
                      {"logprobs", nullptr},
                      {"finish_reason", FinishReason(StringField(*message, "stop_reason"))}};
  json::object out{{"id", "chatcmpl-" + std::string(id)},
                   {"object", "chat.completion"},
                   {"created", created},
                   {"model", model},
                   {"choices", json::array{std::move(choice)}},
                   {"usage", OpenAiUsage(counted)}};
  return json::serialize(out);
}

std::string ErrorMessage(std::string_view body) {
  json::value holder;
  const json::object* root = ParseObject(body, holder);
  const json::object* error = root != nullptr ? ObjectField(*root, "error") : nullptr;
  const std::string_view message = error != nullptr ? StringField(*error, "message") : std::string_view();
  return std::string(message.empty() ? kGenericError : message);
}

StreamTranslator::StreamTranslator(std::string model, int64_t created, bool include_usage, std::string* text)
    : model_(std::move(model)), created_(created), include_usage_(include_usage), text_(text) {}

Status StreamTranslator::OnEvent(std::string_view event, std::string_view data, std::vector<std::string>& out) {
  if (done_) return Ok();
  json::value holder;
  const json::object* payload = ParseObject(data, holder);
  if (payload == nullptr) return Malformed("stream event data is not a JSON object");
  return Dispatch(event.empty() ? StringField(*payload, "type") : event, *payload, out);
}

Status StreamTranslator::Dispatch(std::string_view type, const json::object& payload, std::vector<std::string>& out) {
  if (type == "error") {
    const json::object* error = ObjectField(payload, "error");
    const std::string_view message = error != nullptr ? StringField(*error, "message") : std::string_view();
    return Unexpected(ErrorCode::kUpstream, std::string(message.empty() ? kGenericError : message));
  }
  if (type == "message_start") return OnMessageStart(payload, out);
  const bool content_event = type == "content_block_start" || type == "content_block_delta" ||
                             type == "message_delta" || type == "message_stop";
  if (!content_event) return Ok();  // ping, content_block_stop, and event types added later
  if (!started_) return Malformed("a stream event before message_start");
  if (type == "content_block_start") return OnBlockStart(payload, out);
  if (type == "content_block_delta") return OnBlockDelta(payload, out);
  if (type == "message_delta") {
    OnMessageDelta(payload, out);
  } else {
    OnMessageStop(out);
  }
  return Ok();
}

Status StreamTranslator::OnMessageStart(const json::object& payload, std::vector<std::string>& out) {
  const json::object* message = ObjectField(payload, "message");
  const std::string_view id = message != nullptr ? StringField(*message, "id") : std::string_view();
  if (id.empty()) return Malformed("message_start without a message id");
  id_ = "chatcmpl-" + std::string(id);
  started_ = true;
  if (const json::object* u = ObjectField(*message, "usage")) ReadUsage(*u, usage_);
  out.push_back(Chunk(json::object{{"role", "assistant"}, {"content", ""}}));
  return Ok();
}

Status StreamTranslator::OnBlockStart(const json::object& payload, std::vector<std::string>& out) {
  const json::object* block = ObjectField(payload, "content_block");
  if (block == nullptr) return Malformed("content_block_start without a content_block");
  const std::string_view type = StringField(*block, "type");
  if (type == "text") EmitText(StringField(*block, "text"), out);
  if (type != "tool_use") return Ok();
  const int index = tool_calls_++;
  tool_index_[IntField(payload, "index")] = index;
  json::object function{{"name", StringField(*block, "name")}, {"arguments", ""}};
  json::object call{
      {"index", index}, {"id", StringField(*block, "id")}, {"type", "function"}, {"function", std::move(function)}};
  out.push_back(Chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
  return Ok();
}

Status StreamTranslator::OnBlockDelta(const json::object& payload, std::vector<std::string>& out) {
  const json::object* delta = ObjectField(payload, "delta");
  if (delta == nullptr) return Malformed("content_block_delta without a delta");
  const std::string_view type = StringField(*delta, "type");
  if (type == "text_delta") EmitText(StringField(*delta, "text"), out);
  if (type != "input_json_delta") return Ok();  // thinking, signature and citation deltas are dropped
  const auto it = tool_index_.find(IntField(payload, "index"));
  if (it == tool_index_.end()) return Malformed("input_json_delta for a block that is not a tool_use");
  const std::string_view partial = StringField(*delta, "partial_json");
  if (partial.empty()) return Ok();
  json::object call{{"index", it->second}, {"function", json::object{{"arguments", partial}}}};
  out.push_back(Chunk(json::object{{"tool_calls", json::array{std::move(call)}}}));
  return Ok();
}

void StreamTranslator::OnMessageDelta(const json::object& payload, std::vector<std::string>& out) {
  if (const json::object* u = ObjectField(payload, "usage")) ReadUsage(*u, usage_);
  const json::object* delta = ObjectField(payload, "delta");
  out.push_back(Chunk(json::object(), FinishReason(delta != nullptr ? StringField(*delta, "stop_reason") : "")));
}

void StreamTranslator::OnMessageStop(std::vector<std::string>& out) {
  done_ = true;
  if (include_usage_) out.push_back(UsageChunk());
}

void StreamTranslator::EmitText(std::string_view text, std::vector<std::string>& out) {
  if (text.empty()) return;
  if (text_) text_->append(text);
  out.push_back(Chunk(json::object{{"content", text}}));
}

std::string StreamTranslator::Chunk(json::object delta, std::string_view finish_reason) const {
  json::object choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (!finish_reason.empty()) choice["finish_reason"] = finish_reason;
  json::object chunk{{"id", id_},
                     {"object", "chat.completion.chunk"},
                     {"created", created_},
                     {"model", model_},
                     {"choices", json::array{std::move(choice)}}};
  if (include_usage_) chunk["usage"] = nullptr;
  return json::serialize(chunk);
}

std::string StreamTranslator::UsageChunk() const {
  json::object chunk{{"id", id_},       {"object", "chat.completion.chunk"}, {"created", created_},
                     {"model", model_}, {"choices", json::array()},          {"usage", OpenAiUsage(usage_)}};
  return json::serialize(chunk);
}

}  // namespace chorus::llm::anthropic
