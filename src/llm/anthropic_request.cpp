// OpenAI chat request -> Anthropic Messages request. See anthropic.h for the mapping.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llm/anthropic.h"

namespace chorus::llm::anthropic {
namespace {

namespace json = boost::json;

constexpr std::string_view kJsonOnly =
    "Respond with a single valid JSON object and nothing else: no prose, no Markdown code fences.";

Unexpected Invalid(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

// The member `key`, or nullptr when it is absent or null (OpenAI clients send null for "unset").
const json::value* Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

const json::value* Field(const json::value* o, std::string_view key) {
  return o != nullptr && o->is_object() ? Field(o->get_object(), key) : nullptr;
}

bool IsString(const json::value* v, std::string_view s) {
  return v != nullptr && v->is_string() && v->get_string() == s;
}

json::object TextBlock(std::string_view text) { return {{"type", "text"}, {"text", text}}; }

// Anthropic refuses text blocks that are empty or only whitespace (OpenAI clients send an
// assistant's "\n\n" before its tool calls): such text is left out.
bool HasText(std::string_view text) { return text.find_first_not_of(" \t\r\n") != std::string_view::npos; }

// A system, developer or tool message's text: a string, or text parts joined by "\n".
Result<std::string> PlainText(const json::value* content, const std::string& where) {
  if (content == nullptr) return std::string();
  if (const json::string* s = content->if_string()) return std::string(*s);
  const json::array* parts = content->if_array();
  if (parts == nullptr) return Invalid(where + ".content must be a string or an array of parts", "messages");
  std::string text;
  for (const json::value& part : *parts) {
    const json::value* t = Field(&part, "text");
    if (t == nullptr || !t->is_string()) return Invalid(where + ".content may only hold text parts", "messages");
    if (!text.empty()) text += "\n";
    text += t->get_string();
  }
  return text;
}

// "data:<media type>;base64,<data>" -> a base64 source; "http(s)://..." -> a url source.
Result<json::object> ImageBlock(const json::object& part, const std::string& where) {
  const json::value* url = Field(Field(part, "image_url"), "url");
  if (url == nullptr || !url->is_string()) return Invalid(where + ": image_url.url must be a string", "messages");
  const std::string_view u = url->get_string();
  json::object source;
  if (u.starts_with("data:")) {
    const size_t comma = u.find(',');
    const std::string_view header = u.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma == std::string_view::npos || !header.ends_with(";base64") || header.find(';') == 0) {
      return Invalid(where + ": image data URLs must be data:<media type>;base64,<data>", "messages");
    }
    source = {{"type", "base64"}, {"media_type", header.substr(0, header.find(';'))}, {"data", u.substr(comma + 1)}};
  } else if (u.starts_with("https://") || u.starts_with("http://")) {
    source = {{"type", "url"}, {"url", u}};
  } else {
    return Invalid(where + ": image_url.url must be an http(s) or a data: URL", "messages");
  }
  return json::object{{"type", "image"}, {"source", std::move(source)}};
}

Status AppendPart(const json::value& part, const std::string& where, json::array& blocks) {
  const json::value* type = Field(&part, "type");
  if (IsString(type, "text") || IsString(type, "refusal")) {
    const json::value* text = Field(&part, type->get_string());
    if (text == nullptr || !text->is_string()) return Invalid(where + ": a text part needs a string", "messages");
    if (HasText(text->get_string())) blocks.push_back(TextBlock(text->get_string()));
    return Ok();
  }
  if (IsString(type, "image_url")) {
    CHORUS_ASSIGN_OR_RETURN(json::object image, ImageBlock(part.get_object(), where));
    blocks.push_back(std::move(image));
    return Ok();
  }
  return Invalid(where + ": content parts must be text or image_url", "messages");
}

// A user or assistant message's content (string, array of parts, or absent) as Anthropic blocks.
Result<json::array> ContentBlocks(const json::value* content, const std::string& where) {
  json::array blocks;
  if (content == nullptr) return blocks;
  if (const json::string* s = content->if_string()) {
    if (HasText(*s)) blocks.push_back(TextBlock(*s));
    return blocks;
  }
  const json::array* parts = content->if_array();
  if (parts == nullptr) return Invalid(where + ".content must be a string or an array of parts", "messages");
  for (const json::value& part : *parts) CHORUS_TRY(AppendPart(part, where, blocks));
  return blocks;
}

// Tool call arguments are a string of JSON that must hold an object (Anthropic's "input"). An empty
// string, which some clients send for functions without parameters, reads as {}.
Result<json::object> ToolInput(const json::value* arguments, const std::string& where) {
  if (arguments == nullptr) return json::object();
  if (const json::object* already = arguments->if_object()) return *already;
  const json::string* text = arguments->if_string();
  if (text == nullptr) return Invalid(where + ".function.arguments must be a string", "messages");
  if (!HasText(*text)) return json::object();
  boost::system::error_code ec;
  json::value parsed = json::parse(*text, ec);
  if (ec || !parsed.is_object()) return Invalid(where + ".function.arguments is not a JSON object", "messages");
  return std::move(parsed.get_object());
}

Result<json::object> ToolUseBlock(const json::value& call, const std::string& where) {
  const json::value* id = Field(&call, "id");
  const json::value* function = Field(&call, "function");
  const json::value* name = Field(function, "name");
  if (id == nullptr || !id->is_string() || name == nullptr || !name->is_string()) {
    return Invalid(where + ": a tool call needs an id and a function name", "messages");
  }
  CHORUS_ASSIGN_OR_RETURN(json::object input, ToolInput(Field(function, "arguments"), where));
  return json::object{{"type", "tool_use"}, {"id", *id}, {"name", *name}, {"input", std::move(input)}};
}

// Anthropic requires user and assistant turns to alternate: a turn of the same role as the one before
// is merged into it. Turns without blocks are dropped.
void AppendTurn(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!messages.empty() && messages.back().get_object().at("role").get_string() == role) {
    json::array& content = messages.back().get_object()["content"].get_array();
    for (json::value& block : blocks) content.push_back(std::move(block));
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
}

Status AppendAssistant(const json::object& message, const std::string& where, json::array& messages) {
  CHORUS_ASSIGN_OR_RETURN(json::array blocks, ContentBlocks(Field(message, "content"), where));
  if (const json::value* calls = Field(message, "tool_calls")) {
    if (!calls->is_array()) return Invalid(where + ".tool_calls must be an array", "messages");
    const json::array& list = calls->get_array();
    for (size_t i = 0; i < list.size(); ++i) {
      CHORUS_ASSIGN_OR_RETURN(json::object block,
                              ToolUseBlock(list[i], where + ".tool_calls[" + std::to_string(i) + "]"));
      blocks.push_back(std::move(block));
    }
  }
  AppendTurn(messages, "assistant", std::move(blocks));
  return Ok();
}

Status AppendToolResult(const json::object& message, const std::string& where, json::array& messages) {
  const json::value* id = Field(message, "tool_call_id");
  if (id == nullptr || !id->is_string()) return Invalid(where + ": a tool message needs a tool_call_id", "messages");
  CHORUS_ASSIGN_OR_RETURN(std::string text, PlainText(Field(message, "content"), where));
  json::array blocks;
  blocks.push_back(json::object{{"type", "tool_result"}, {"tool_use_id", *id}, {"content", text}});
  AppendTurn(messages, "user", std::move(blocks));
  return Ok();
}

struct Conversation {
  std::vector<std::string> system;
  json::array messages;
};

Status AppendMessage(const json::value& message, size_t i, Conversation& conversation) {
  const std::string where = "messages[" + std::to_string(i) + "]";
  const json::value* role = Field(&message, "role");
  if (role == nullptr || !role->is_string()) return Invalid(where + " needs a string role", "messages");
  const json::object& m = message.get_object();
  const json::string& r = role->get_string();
  if (r == "system" || r == "developer") {
    CHORUS_ASSIGN_OR_RETURN(std::string text, PlainText(Field(m, "content"), where));
    if (!text.empty()) conversation.system.push_back(std::move(text));
    return Ok();
  }
  if (r == "user") {
    CHORUS_ASSIGN_OR_RETURN(json::array blocks, ContentBlocks(Field(m, "content"), where));
    AppendTurn(conversation.messages, "user", std::move(blocks));
    return Ok();
  }
  if (r == "assistant") return AppendAssistant(m, where, conversation.messages);
  if (r == "tool") return AppendToolResult(m, where, conversation.messages);
  return Invalid(where + ": role must be system, developer, user, assistant or tool", "messages");
}

Result<json::object> Tool(const json::value& tool) {
  const json::value* function = Field(&tool, "function");
  const json::value* name = Field(function, "name");
  if (!IsString(Field(&tool, "type"), "function") || name == nullptr || !name->is_string() ||
      name->get_string().empty()) {
    return Invalid("every tool must be {\"type\":\"function\",\"function\":{\"name\":...}}", "tools");
  }
  json::object out{{"name", *name}};
  const json::value* description = Field(function, "description");
  if (description != nullptr && !description->is_string())
    return Invalid("a tool description must be a string", "tools");
  if (description != nullptr) out["description"] = *description;
  const json::value* parameters = Field(function, "parameters");
  if (parameters != nullptr && !parameters->is_object())
    return Invalid("tool parameters must be a JSON Schema object", "tools");
  // Anthropic requires input_schema; OpenAI lets a function without parameters omit it.
  out["input_schema"] = parameters != nullptr
                            ? *parameters
                            : json::value(json::object{{"type", "object"}, {"properties", json::object()}});
  return out;
}

Result<json::object> ToolChoice(const json::value& choice) {
  if (const json::string* mode = choice.if_string()) {
    if (*mode == "auto") return json::object{{"type", "auto"}};
    if (*mode == "required") return json::object{{"type", "any"}};
    if (*mode == "none") return json::object{{"type", "none"}};
  }
  const json::value* name = Field(Field(&choice, "function"), "name");
  if (IsString(Field(&choice, "type"), "function") && name != nullptr && name->is_string()) {
    return json::object{{"type", "tool"}, {"name", *name}};
  }
  return Invalid("tool_choice must be \"auto\", \"required\", \"none\" or a function", "tool_choice");
}

// tools, tool_choice and parallel_tool_calls. Without tools, tool_choice means nothing and is dropped.
Status SetTools(const json::object& request, json::object& out) {
  const json::value* tools = Field(request, "tools");
  if (tools == nullptr) return Ok();
  if (!tools->is_array()) return Invalid("tools must be an array", "tools");
  json::array list;
  for (const json::value& tool : tools->get_array()) {
    CHORUS_ASSIGN_OR_RETURN(json::object t, Tool(tool));
    list.push_back(std::move(t));
  }
  if (list.empty()) return Ok();
  out["tools"] = std::move(list);
  std::optional<json::object> choice;
  if (const json::value* c = Field(request, "tool_choice")) {
    CHORUS_ASSIGN_OR_RETURN(choice, ToolChoice(*c));
  }
  const json::value* parallel = Field(request, "parallel_tool_calls");
  if (parallel != nullptr && parallel->is_bool() && !parallel->get_bool()) {
    if (!choice) choice = json::object{{"type", "auto"}};
    if (!IsString(choice->if_contains("type"), "none")) (*choice)["disable_parallel_tool_use"] = true;
  }
  if (choice) out["tool_choice"] = std::move(*choice);
  return Ok();
}

// max_tokens (max_completion_tokens wins over the older max_tokens) and n.
Status SetLimits(const json::object& request, json::object& out) {
  int64_t max_tokens = kDefaultMaxTokens;
  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    const json::value* v = Field(request, name);
    if (v == nullptr) continue;
    if (!v->is_int64() || v->get_int64() <= 0) return Invalid(std::string(name) + " must be a positive integer", name);
    max_tokens = v->get_int64();
  }
  out["max_tokens"] = max_tokens;
  if (const json::value* n = Field(request, "n")) {
    if (!n->is_int64() || n->get_int64() < 1) return Invalid("n must be a positive integer", "n");
    if (n->get_int64() > 1) return Invalid("this model returns one choice per request: n must be 1", "n");
  }
  return Ok();
}

Result<json::array> StopSequences(const json::value& stop) {
  if (stop.is_string()) return json::array{stop};
  if (stop.is_array()) {
    for (const json::value& s : stop.get_array()) {
      if (!s.is_string()) return Invalid("stop must be a string or an array of strings", "stop");
    }
    return stop.get_array();
  }
  return Invalid("stop must be a string or an array of strings", "stop");
}

// temperature, top_p, stop and user. Anthropic's temperature runs from 0 to 1 where OpenAI's runs
// to 2: a higher one is sent as 1, its most random.
Status SetSampling(const json::object& request, json::object& out) {
  for (const char* name : {"temperature", "top_p"}) {
    const json::value* v = Field(request, name);
    if (v == nullptr) continue;
    if (!v->is_number()) return Invalid(std::string(name) + " must be a number", name);
    out[name] = *v;
  }
  if (const json::value* t = out.if_contains("temperature"); t && t->to_number<double>() > 1) out["temperature"] = 1;
  if (const json::value* stop = Field(request, "stop")) {
    CHORUS_ASSIGN_OR_RETURN(json::array sequences, StopSequences(*stop));
    if (!sequences.empty()) out["stop_sequences"] = std::move(sequences);
  }
  if (const json::value* user = Field(request, "user")) {
    if (!user->is_string()) return Invalid("user must be a string", "user");
    out["metadata"] = json::object{{"user_id", *user}};
  }
  return Ok();
}

// Anthropic has no JSON mode: response_format becomes an instruction appended to the system prompt
// (empty for "text"). The schema of json_schema is quoted into the instruction.
Result<std::string> JsonInstruction(const json::value& format) {
  const json::value* type = Field(&format, "type");
  if (IsString(type, "text")) return std::string();
  if (IsString(type, "json_object")) return std::string(kJsonOnly);
  if (IsString(type, "json_schema")) {
    const json::value* schema = Field(Field(&format, "json_schema"), "schema");
    if (schema == nullptr) return Invalid("response_format.json_schema.schema is required", "response_format");
    return std::string(kJsonOnly) + " It must conform to this JSON Schema: " + json::serialize(*schema);
  }
  return Invalid("response_format.type must be text, json_object or json_schema", "response_format");
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

Result<std::string> RequestFromOpenAi(const json::object& request, std::string_view upstream_model, bool stream) {
  const json::value* messages = Field(request, "messages");
  if (messages == nullptr || !messages->is_array()) return Invalid("messages must be an array", "messages");
  Conversation conversation;
  const json::array& list = messages->get_array();
  for (size_t i = 0; i < list.size(); ++i) CHORUS_TRY(AppendMessage(list[i], i, conversation));
  if (conversation.messages.empty())
    return Invalid("messages needs at least one user or assistant message", "messages");
  if (const json::value* format = Field(request, "response_format")) {
    CHORUS_ASSIGN_OR_RETURN(std::string instruction, JsonInstruction(*format));
    if (!instruction.empty()) conversation.system.push_back(std::move(instruction));
  }
  json::object out{{"model", upstream_model}};
  CHORUS_TRY(SetLimits(request, out));
  if (!conversation.system.empty()) out["system"] = Join(conversation.system, "\n\n");
  out["messages"] = std::move(conversation.messages);
  CHORUS_TRY(SetSampling(request, out));
  CHORUS_TRY(SetTools(request, out));
  out["stream"] = stream;
  return json::serialize(out);
}

}  // namespace chorus::llm::anthropic
