// Token usage of one model call, as the upstream reported it (clamped to [0, kMaxTokens]).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace chorus::llm {

// The most tokens a call is counted with: what a usage row holds (INTEGER in PostgreSQL). A count
// a provider reports outside [0, kMaxTokens] — a bug, or a user's own endpoint — is clamped to it,
// so that sums cannot overflow and the row is never refused for it.
inline constexpr int64_t kMaxTokens = INT32_MAX;
constexpr int64_t ClampTokens(int64_t reported) { return std::clamp<int64_t>(reported, 0, kMaxTokens); }

// Tokens estimated from bytes of text, ~4 to a token (OpenAI's rule of thumb for English), where no
// provider count is at hand.
constexpr int64_t EstimateTokens(std::size_t bytes) { return ClampTokens(static_cast<int64_t>((bytes + 3) / 4)); }

struct Usage {
  int64_t input_tokens = 0;   // prompt_tokens (OpenAI) / input_tokens (Anthropic)
  int64_t output_tokens = 0;  // completion_tokens (OpenAI) / output_tokens (Anthropic)
  // Of output_tokens, those of hidden reasoning, not in the reply's text (OpenAI's
  // completion_tokens_details.reasoning_tokens; 0 when not reported).
  int64_t reasoning_tokens = 0;
  bool reported = false;      // whether the upstream sent usage at all
};

}  // namespace chorus::llm
