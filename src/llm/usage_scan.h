// Reads the token usage of a whole OpenAI chat completion without building the document: the
// gateway relays the provider's body as it came and needs only `usage` from it (and to know that
// the body is JSON), and for conversations the assistant's text. A SAX pass over Boost.JSON's
// parser costs about half of parsing into a value.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "llm/usage.h"

namespace chorus::llm {

// Validates `body` as one JSON object and reads usage.prompt_tokens and usage.completion_tokens
// into `out` (`reported` when the object has a "usage" object). With `text`, appends the first
// choice's message.content to it when that is a string. kUpstream when the body is not a JSON
// object; then neither `out` nor `text` is changed.
Status ScanCompletionUsage(std::string_view body, Usage& out, std::string* text = nullptr);

// The same for one chunk of a stream (`data` of an SSE event): `out.reported` only when the chunk
// has a "usage" object (OpenAI sends "usage": null on the others); `no_choices` tells whether the
// chunk has no "choices" or an empty array of them (the usage-only chunk at the end); `text` gets
// the first choice's delta.content.
Status ScanChunkUsage(std::string_view chunk, Usage& out, bool& no_choices, std::string* text = nullptr);

// Whether a stream chunk may report usage, told from its bytes without a parse: false when it has
// no "usage" key or every "usage" key in it is followed by null — OpenAI's "usage": null, on every
// chunk but the last once usage is asked for. (In JSON the bytes "usage" then a colon are a key:
// a string holding them would have its quotes escaped.) True for anything else, to be scanned.
bool MayReportUsage(std::string_view chunk);

}  // namespace chorus::llm
