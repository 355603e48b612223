// Translation between OpenAI's Chat Completions wire format (what Chorus serves on /v1) and Anthropic's
// Messages API (what an Anthropic upstream speaks). Pure functions over JSON text: no I/O, no clock, so
// every mapping is unit tested without a network. Safe to call from any thread; a StreamTranslator holds
// the state of one stream and is used by one caller at a time.
//
// What does not carry over, on purpose:
// - Anthropic has no "n": n > 1 is refused (kInvalidArgument, param "n").
// - Anthropic has no JSON mode: response_format json_object/json_schema adds an instruction to the system
//   prompt to answer with JSON only (with the schema, for json_schema). The reply is not validated.
// - OpenAI fields with no Anthropic equivalent (frequency_penalty, presence_penalty, logit_bias, seed,
//   logprobs, ...) are ignored. Thinking blocks and server-tool blocks in replies are dropped.
// - Anthropic's prompt tokens are split into uncached, cache-written and cache-read counts; OpenAI's
//   prompt_tokens (and Usage::input_tokens) is their sum.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "llm/usage.h"

namespace chorus::llm::anthropic {

// The default "max_tokens" when the client sets neither max_tokens nor max_completion_tokens:
// Anthropic requires the field.
inline constexpr int64_t kDefaultMaxTokens = 4096;

// An OpenAI chat request (a JSON object with a "messages" array) -> the body of Anthropic's
// POST /v1/messages, serialized. `upstream_model` replaces "model"; `stream` sets "stream".
// - system/developer messages -> top-level "system", joined by "\n\n";
// - user/assistant messages -> content blocks (text; image_url data: URLs -> base64 image sources,
//   http(s) URLs -> url image sources); empty text is dropped (Anthropic rejects empty text blocks);
// - assistant tool_calls -> "tool_use" blocks whose input is the parsed arguments object;
// - role "tool" -> a user message of "tool_result" blocks;
// - consecutive messages of the same role are merged into one, as Anthropic requires alternation;
// - tools -> {name, description, input_schema}; tool_choice auto/required/none/{function} ->
//   {"type":"auto"|"any"|"none"|"tool"}; parallel_tool_calls false -> disable_parallel_tool_use;
// - max_completion_tokens (else max_tokens, else kDefaultMaxTokens) -> max_tokens; temperature and
//   top_p pass through; stop -> stop_sequences; user -> metadata.user_id.
// Errors: kInvalidArgument with Error::param naming the field at fault ("messages", "n", "tools",
// "tool_choice", "max_tokens", "response_format", ...).
Result<std::string> RequestFromOpenAi(const boost::json::object& request, std::string_view upstream_model, bool stream);

// An Anthropic non-streaming response body -> an OpenAI "chat.completion", serialized. `model` is the
// name the client asked for; the id is "chatcmpl-" + the Anthropic id; `created` is unix seconds.
// Text blocks are concatenated into message.content (null when there is no text but there are tool
// calls); tool_use blocks become message.tool_calls. When `usage` is not null it receives the token
// counts. Errors: kUpstream when the body is not an Anthropic message.
Result<std::string> ResponseToOpenAi(std::string_view body, std::string_view model, int64_t created, Usage* usage);

// The OpenAI finish_reason for an Anthropic stop_reason: end_turn/stop_sequence/pause_turn -> "stop",
// max_tokens -> "length", tool_use -> "tool_calls", refusal -> "content_filter"; unknown -> "stop".
std::string_view FinishReason(std::string_view stop_reason);

// The message of an Anthropic error body ({"type":"error","error":{"type":..,"message":..}}), or a
// generic text when the body is not that shape. Never returns the raw body.
std::string ErrorMessage(std::string_view body);

// Translates one Anthropic SSE stream into OpenAI "chat.completion.chunk" JSON strings (without the
// "data: " framing). One instance per stream; not safe for concurrent use.
//
// message_start -> a chunk with delta {role:"assistant", content:""}; content_block_start of a tool_use
// -> delta.tool_calls [{index, id, type, function:{name, arguments:""}}] (index counts tool_use blocks
// from 0); text_delta -> delta.content; input_json_delta -> delta.tool_calls [{index, function:
// {arguments}}]; message_delta -> a chunk with finish_reason; message_stop -> (when include_usage) a
// chunk with "choices":[] and "usage", then done(). ping, content_block_stop and unknown events produce
// nothing; events after done() are ignored. When include_usage, every other chunk has "usage": null,
// as OpenAI does.
class StreamTranslator {
 public:
  // `text`, when given, gets the reply's text appended as it arrives (for callers that store it).
  StreamTranslator(std::string model, int64_t created, bool include_usage, std::string* text = nullptr);

  // Feeds one SSE event (`event` may be empty: the "type" inside `data` is used then). Appends zero or
  // more chunks to `out`. Errors: kUpstream for an "error" event (with its message), for data that is
  // not a JSON object, and for content events before message_start.
  Status OnEvent(std::string_view event, std::string_view data, std::vector<std::string>& out);

  // True once message_stop has been seen.
  bool done() const { return done_; }
  // Token counts so far (cumulative: message_delta's counts replace message_start's).
  const Usage& usage() const { return usage_; }

 private:
  Status Dispatch(std::string_view type, const boost::json::object& payload, std::vector<std::string>& out);
  Status OnMessageStart(const boost::json::object& payload, std::vector<std::string>& out);
  Status OnBlockStart(const boost::json::object& payload, std::vector<std::string>& out);
  Status OnBlockDelta(const boost::json::object& payload, std::vector<std::string>& out);
  void OnMessageDelta(const boost::json::object& payload, std::vector<std::string>& out);
  void OnMessageStop(std::vector<std::string>& out);
  void EmitText(std::string_view text, std::vector<std::string>& out);
  // A chunk carrying `delta`; finish_reason is null when `finish_reason` is empty.
  std::string Chunk(boost::json::object delta, std::string_view finish_reason = {}) const;
  std::string UsageChunk() const;

  const std::string model_;
  const int64_t created_;
  const bool include_usage_;
  std::string id_;  // "chatcmpl-" + the Anthropic message id, set by message_start
  bool started_ = false;
  bool done_ = false;
  int tool_calls_ = 0;                 // tool_use blocks seen so far
  std::map<int64_t, int> tool_index_;  // Anthropic content block index -> OpenAI tool_calls index
  Usage usage_;
  std::string* const text_;
};

}  // namespace chorus::llm::anthropic
