// ValidateChatRequest: the request checks of OpenAI's Chat Completions API that Chorus enforces
// itself, so that a bad request costs no upstream call and gets OpenAI's error shape with `param`.
#include <boost/json.hpp>

#include <fmt/format.h>

#include "llm/gateway.h"

namespace chorus::llm {
namespace {

namespace json = boost::json;

Unexpected Bad(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

bool IsNumber(const json::value& v) { return v.is_double() || v.is_int64() || v.is_uint64(); }

Status CheckNumber(const json::object& body, std::string_view key, double min, double max) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) return Ok();
  if (!IsNumber(*v)) return Bad(fmt::format("'{}' must be a number", key), std::string(key));
  const double d = v->to_number<double>();
  if (d < min || d > max) return Bad(fmt::format("'{}' must be between {} and {}", key, min, max), std::string(key));
  return Ok();
}

Status CheckInteger(const json::object& body, std::string_view key, int64_t min, int64_t max) {
  const json::value* v = body.if_contains(key);
  if (!v || v->is_null()) return Ok();
  const bool integer = v->is_int64() || v->is_uint64();
  if (!integer || v->to_number<int64_t>() < min || v->to_number<int64_t>() > max) {
    return Bad(fmt::format("'{}' must be an integer between {} and {}", key, min, max), std::string(key));
  }
  return Ok();
}

Status CheckMessage(const json::value& m, size_t i) {
  // The parameter's name is made only for an error: valid requests (nearly all) cost no formatting.
  auto param = [i](std::string_view field = {}) {
    return fmt::format("messages[{}]{}{}", i, field.empty() ? "" : ".", field);
  };
  if (!m.is_object()) return Bad("each message must be an object", param());
  const json::object& o = m.get_object();
  const json::value* role = o.if_contains("role");
  if (!role || !role->is_string()) return Bad("each message needs a 'role'", param("role"));
  const std::string_view r = role->get_string();
  if (r != "system" && r != "developer" && r != "user" && r != "assistant" && r != "tool" && r != "function") {
    return Bad(fmt::format("'{}' is not a valid role", r), param("role"));
  }
  const json::value* content = o.if_contains("content");
  const bool may_omit = r == "assistant";  // an assistant message may carry only tool calls
  if ((!content || content->is_null()) && !may_omit) return Bad("the message needs 'content'", param("content"));
  if (content && !content->is_null() && !content->is_string() && !content->is_array()) {
    return Bad("'content' must be a string or an array of parts", param("content"));
  }
  if (r == "tool" && !o.contains("tool_call_id")) return Bad("a tool message needs 'tool_call_id'", param("tool_call_id"));
  return Ok();
}

}  // namespace

Status ValidateChatRequest(const json::object& body) {
  const json::value* model = body.if_contains("model");
  if (!model || !model->is_string() || model->get_string().empty()) return Bad("'model' is required", "model");
  const json::value* messages = body.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) {
    return Bad("'messages' must be a non-empty array", "messages");
  }
  const auto& list = messages->get_array();
  for (size_t i = 0; i < list.size(); ++i) CHORUS_TRY(CheckMessage(list[i], i));
  if (const json::value* stream = body.if_contains("stream"); stream && !stream->is_null() && !stream->is_bool()) {
    return Bad("'stream' must be a boolean", "stream");
  }
  CHORUS_TRY(CheckNumber(body, "temperature", 0, 2));
  CHORUS_TRY(CheckNumber(body, "top_p", 0, 1));
  CHORUS_TRY(CheckNumber(body, "presence_penalty", -2, 2));
  CHORUS_TRY(CheckNumber(body, "frequency_penalty", -2, 2));
  CHORUS_TRY(CheckInteger(body, "max_tokens", 1, 1 << 24));
  CHORUS_TRY(CheckInteger(body, "max_completion_tokens", 1, 1 << 24));
  CHORUS_TRY(CheckInteger(body, "n", 1, 128));
  if (const json::value* stop = body.if_contains("stop"); stop && !stop->is_null()) {
    const bool ok = stop->is_string() || (stop->is_array() && stop->get_array().size() <= 4);
    if (!ok) return Bad("'stop' must be a string or an array of at most 4 strings", "stop");
  }
  if (const json::value* tools = body.if_contains("tools"); tools && !tools->is_null() && !tools->is_array()) {
    return Bad("'tools' must be an array", "tools");
  }
  if (const json::value* format = body.if_contains("response_format");
      format && !format->is_null() && !format->is_object()) {
    return Bad("'response_format' must be an object", "response_format");
  }
  if (const json::value* options = body.if_contains("stream_options");
      options && !options->is_null() && !options->is_object()) {
    return Bad("'stream_options' must be an object", "stream_options");
  }
  return Ok();
}

}  // namespace chorus::llm
