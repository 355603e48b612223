// ValidateChatRequest: the request checks of OpenAI's Chat Completions API that Chorus enforces
// itself, so that a bad request costs no upstream call and gets OpenAI's error shape with `param`.
#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "llm/gateway.h"

namespace chorus::llm {
namespace {

namespace json = boost::json;

Unexpected Bad(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

bool IsNumber(const json::value& v) { return v.is_double() || v.is_int64() || v.is_uint64(); }

Status CheckNumber(const json::value* v, std::string_view key, double min, double max) {
  if (!v || v->is_null()) return Ok();
  if (!IsNumber(*v)) return Bad(fmt::format("'{}' must be a number", key), std::string(key));
  const double d = v->to_number<double>();
  if (d < min || d > max) return Bad(fmt::format("'{}' must be between {} and {}", key, min, max), std::string(key));
  return Ok();
}

Status CheckInteger(const json::value* v, std::string_view key, int64_t min, int64_t max) {
  if (!v || v->is_null()) return Ok();
  // A uint64 is above INT64_MAX (Boost.JSON keeps smaller ones as int64): out of range, not converted.
  if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max) {
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

// The members the checks read, found in one pass over the body (instead of a lookup per
// parameter, each walking the members again).
struct Members {
  const json::value* model = nullptr;
  const json::value* messages = nullptr;
  const json::value* stream = nullptr;
  const json::value* temperature = nullptr;
  const json::value* top_p = nullptr;
  const json::value* presence_penalty = nullptr;
  const json::value* frequency_penalty = nullptr;
  const json::value* max_tokens = nullptr;
  const json::value* max_completion_tokens = nullptr;
  const json::value* n = nullptr;
  const json::value* stop = nullptr;
  const json::value* tools = nullptr;
  const json::value* response_format = nullptr;
  const json::value* stream_options = nullptr;
};

Members FindMembers(const json::object& body) {
  Members m;
  for (const json::key_value_pair& member : body) {
    const std::string_view key = member.key();
    const json::value* v = &member.value();
    if (key == "model") m.model = v;
    else if (key == "messages") m.messages = v;
    else if (key == "stream") m.stream = v;
    else if (key == "temperature") m.temperature = v;
    else if (key == "top_p") m.top_p = v;
    else if (key == "presence_penalty") m.presence_penalty = v;
    else if (key == "frequency_penalty") m.frequency_penalty = v;
    else if (key == "max_tokens") m.max_tokens = v;
    else if (key == "max_completion_tokens") m.max_completion_tokens = v;
    else if (key == "n") m.n = v;
    else if (key == "stop") m.stop = v;
    else if (key == "tools") m.tools = v;
    else if (key == "response_format") m.response_format = v;
    else if (key == "stream_options") m.stream_options = v;
  }
  return m;
}

}  // namespace

Status ValidateChatRequest(const json::object& body) {
  const Members m = FindMembers(body);
  if (!m.model || !m.model->is_string() || m.model->get_string().empty()) return Bad("'model' is required", "model");
  if (!m.messages || !m.messages->is_array() || m.messages->get_array().empty()) {
    return Bad("'messages' must be a non-empty array", "messages");
  }
  const auto& list = m.messages->get_array();
  for (size_t i = 0; i < list.size(); ++i) CHORUS_TRY(CheckMessage(list[i], i));
  if (m.stream && !m.stream->is_null() && !m.stream->is_bool()) return Bad("'stream' must be a boolean", "stream");
  CHORUS_TRY(CheckNumber(m.temperature, "temperature", 0, 2));
  CHORUS_TRY(CheckNumber(m.top_p, "top_p", 0, 1));
  CHORUS_TRY(CheckNumber(m.presence_penalty, "presence_penalty", -2, 2));
  CHORUS_TRY(CheckNumber(m.frequency_penalty, "frequency_penalty", -2, 2));
  CHORUS_TRY(CheckInteger(m.max_tokens, "max_tokens", 1, 1 << 24));
  CHORUS_TRY(CheckInteger(m.max_completion_tokens, "max_completion_tokens", 1, 1 << 24));
  CHORUS_TRY(CheckInteger(m.n, "n", 1, 128));
  if (m.stop && !m.stop->is_null()) {
    // How many a provider takes is its own rule (OpenAI's 4, Anthropic's more): only the shape is checked.
    const auto strings = [](const json::array& a) { return std::all_of(a.begin(), a.end(), [](const json::value& s) { return s.is_string(); }); };
    const bool ok = m.stop->is_string() || (m.stop->is_array() && strings(m.stop->get_array()));
    if (!ok) return Bad("'stop' must be a string or an array of strings", "stop");
  }
  if (m.tools && !m.tools->is_null() && !m.tools->is_array()) return Bad("'tools' must be an array", "tools");
  if (m.response_format && !m.response_format->is_null() && !m.response_format->is_object()) {
    return Bad("'response_format' must be an object", "response_format");
  }
  if (m.stream_options && !m.stream_options->is_null() && !m.stream_options->is_object()) {
    return Bad("'stream_options' must be an object", "stream_options");
  }
  return Ok();
}

}  // namespace chorus::llm
