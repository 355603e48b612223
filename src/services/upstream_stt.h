// Speech-to-text over an OpenAI-compatible provider (config: a provider's transcription_models). The
// PCM the engine is given is encoded as FLAC (16 kHz mono, about 0.5 MB a minute) and sent to the
// provider's POST {base_url}/audio/transcriptions with response_format verbose_json and word and
// segment timestamps; the answer becomes a Transcript like the local engine's.
//
// The whole encoded audio is one request body, so it is bounded (max_upload_bytes; OpenAI's own
// limit is 25 MB, ~45 minutes of FLAC speech). Provider URLs come from the operator's configuration,
// not from users, so the client used here may reach private addresses (a self-hosted Whisper).
// Thread-safe: calls share nothing but the client.
#pragma once

#include <string>
#include <vector>

#include "engines/stt_engine.h"
#include "http/client/client.h"

namespace chorus::services {

struct UpstreamSttTarget {
  std::string provider;  // its name in the configuration, for errors
  std::string base_url;  // "https://api.openai.com/v1"
  std::string api_key;   // empty: no Authorization header
  std::string model;     // the provider's name for the model
};

class UpstreamSttEngine final : public engines::SttEngine {
 public:
  UpstreamSttEngine(const http::client::Client& client, UpstreamSttTarget target,
                    size_t max_upload_bytes = 25 * 1024 * 1024);

  // Empty: any language is passed on to the provider.
  const std::vector<std::string>& languages() const override { return languages_; }

  // Errors besides the interface's: kInvalidArgument (param "file") when the encoded audio is over
  // max_upload_bytes; kRateLimited (429) and kUpstream (other failures, malformed answers) from the
  // provider; kUnavailable/kDeadlineExceeded when it cannot be reached.
  Result<engines::Transcript> Transcribe(const engines::PcmSource& source, const engines::RecognitionSettings& settings,
                                         const engines::ProgressSink& progress) override;

 private:
  Result<std::string> EncodeAll(const engines::PcmSource& source, const engines::ProgressSink& progress,
                                double& seconds);

  const http::client::Client& client_;
  const UpstreamSttTarget target_;
  const size_t max_upload_bytes_;
  const std::vector<std::string> languages_;
};

// The provider's verbose_json answer as a Transcript (exposed for tests). Words are placed in the
// segment whose time span holds them; a segment's confidence is exp(avg_logprob) when given.
Result<engines::Transcript> ParseVerboseTranscript(std::string_view body, double audio_seconds);

}  // namespace chorus::services
