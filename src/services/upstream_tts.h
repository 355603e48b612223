// Text-to-speech over an OpenAI-compatible provider (config: a provider's speech_models): POST
// {base_url}/audio/speech with response_format "pcm" (24 kHz mono s16le), handed to the sink in
// 100 ms chunks, so everything after the engine (encoders, streaming, stored tracks) is the same as
// for the local engine. Providers send no timings: word starts are estimated from each word's place
// in the text, proportionally to the audio's length (alignments are approximate, never out of order).
//
// The answer is read whole before the first chunk is handed on (the outbound client does not stream),
// and bounded by the client's response limit. Thread-safe: calls share nothing but the client.
#pragma once

#include <string>
#include <vector>

#include "engines/tts_engine.h"
#include "http/client/client.h"

namespace chorus::services {

struct UpstreamTtsTarget {
  std::string provider;  // its name in the configuration, for errors
  std::string base_url;  // "https://api.openai.com/v1"
  std::string api_key;   // empty: no Authorization header
  std::string model;     // the provider's name for the model
};

class UpstreamTtsEngine final : public engines::TtsEngine {
 public:
  static constexpr int kSampleRate = 24000;  // OpenAI's "pcm"

  UpstreamTtsEngine(const http::client::Client& client, UpstreamTtsTarget target);

  int sample_rate() const override { return kSampleRate; }
  // OpenAI's voice names; the provider decides what they sound like.
  const std::vector<engines::Voice>& voices() const override { return voices_; }
  // Errors besides the interface's: kRateLimited (429) and kUpstream from the provider;
  // kUnavailable/kDeadlineExceeded when it cannot be reached.
  Result<engines::SynthesisResult> Synthesize(std::string_view text, const engines::SynthesisSettings& settings,
                                              const engines::PcmSink& sink) override;

 private:
  const http::client::Client& client_;
  const UpstreamTtsTarget target_;
  const std::vector<engines::Voice> voices_;
};

// Word starts spread over `seconds` in proportion to where each word begins in `text` (exposed for tests).
std::vector<engines::WordEvent> EstimatedWordEvents(std::string_view text, double seconds);

}  // namespace chorus::services
