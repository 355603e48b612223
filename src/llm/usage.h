// Token usage of one model call, as the upstream reported it.
#pragma once

#include <cstdint>

namespace chorus::llm {

struct Usage {
  int64_t input_tokens = 0;   // prompt_tokens (OpenAI) / input_tokens (Anthropic)
  int64_t output_tokens = 0;  // completion_tokens (OpenAI) / output_tokens (Anthropic)
  bool reported = false;      // whether the upstream sent usage at all
};

}  // namespace chorus::llm
