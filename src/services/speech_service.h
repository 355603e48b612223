// Text-to-speech (seed 000 tts_requests, seed 004 audio): OpenAI's /v1/audio/speech semantics over
// a local engine. Audio is encoded while it is synthesised and handed over chunk by chunk, so the
// first bytes leave long before a long text is done; with timestamps, the whole audio comes back
// with per-character and per-word times.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/async.h"
#include "engines/alignment.h"
#include "engines/tts_engine.h"
#include "media/audio_encoder.h"
#include "services/caller.h"
#include "store/async_db.h"

namespace chorus::services {

inline constexpr size_t kMaxSpeechCharacters = 4096;

struct SpeechRequest {
  std::string model = "tts-1";
  std::string input;
  std::string voice;
  std::string response_format = "mp3";  // mp3 opus aac flac wav pcm, or json (timestamps)
  double speed = 1.0;
  bool timestamps = false;
};

// A request checked and resolved to engine settings.
struct SpeechPlan {
  std::string model;
  std::string input;
  engines::SynthesisSettings settings;
  media::AudioFormat format = media::AudioFormat::kMp3;
  bool timestamps = false;
};

struct TimedSpeech {
  std::string audio;
  std::string content_type;
  double duration_seconds = 0;
  engines::CharacterAlignment alignment;
  std::vector<engines::WordTiming> words;
};

// Encoded audio as the engine produces it. Next() returns chunks until nullopt (the end); ok()
// then tells whether synthesis completed. Destroying the stream stops synthesis at its next chunk.
class SpeechStream {
 public:
  struct Shared;
  explicit SpeechStream(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  ~SpeechStream();
  Task<std::optional<std::string>> Next();
  bool ok() const;

 private:
  std::shared_ptr<Shared> shared_;
};

// Checks a request and resolves its voice and format for `engine` (what SpeechService::Plan does;
// the offline CLI uses it directly).
Result<SpeechPlan> PlanSpeech(const SpeechRequest& request, const engines::TtsEngine& engine);
// Synthesises and encodes the whole text with its timings. Blocking.
Result<TimedSpeech> SynthesizeTimed(engines::TtsEngine& engine, const SpeechPlan& plan);

class SpeechService {
 public:
  SpeechService(engines::TtsEngine& engine, BlockingPool& blocking, store::AsyncDb& db)
      : engine_(engine), blocking_(blocking), db_(db) {}

  // kInvalidArgument with param (input, voice, model, speed, response_format) for a bad request.
  Result<SpeechPlan> Plan(const SpeechRequest& request) const;
  // Starts synthesis; the caller reads the stream on its own executor.
  Task<std::unique_ptr<SpeechStream>> Stream(const Caller& caller, SpeechPlan plan);
  Task<Result<TimedSpeech>> SynthesizeWithTimings(const Caller& caller, SpeechPlan plan);

  // The voices callers may name: OpenAI's names, then the engine's own.
  std::vector<std::string> VoiceNames() const;

 private:
  Task<void> Meter(std::string user_id, size_t characters, double seconds);
  double Produce(const SpeechPlan& plan, SpeechStream::Shared& shared);

  engines::TtsEngine& engine_;
  BlockingPool& blocking_;
  store::AsyncDb& db_;
};

}  // namespace chorus::services
