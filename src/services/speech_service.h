// Text-to-speech (seed 000 tts_requests, seed 004 audio): OpenAI's /v1/audio/speech semantics over
// a local engine. Audio is encoded while it is synthesised and handed over chunk by chunk, so the
// first bytes leave long before a long text is done; with timestamps, the whole audio comes back
// with per-character and per-word times.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/async.h"
#include "engines/alignment.h"
#include "engines/tts_engine.h"
#include "media/audio_encoder.h"
#include "services/caller.h"
#include "services/price_table.h"
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
  engines::TtsEngine* engine = nullptr;  // the model's: the local engine or a provider's
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

// A voice name callers use (OpenAI's "alloy"...) on one of the engine's voices, at a pitch.
struct VoiceMapping {
  std::string name;
  std::string engine_voice;  // an engines::Voice id, e.g. "en-us"
  int pitch = 50;            // 0..100
};

// OpenAI's voice names on espeak-ng voices: two accents and a spread of pitches, so that each name
// sounds different and always the same.
std::vector<VoiceMapping> DefaultVoices();

struct TtsSettings {
  std::vector<VoiceMapping> voices = DefaultVoices();
  PriceTable price_per_million_characters;  // by model (config tts.prices)
  // Providers' speech models (config: a provider's speech_models) by the name callers use.
  std::map<std::string, engines::TtsEngine*, std::less<>> upstream;
};

// The configuration's tts.voices ("name=engine-voice" or "name=engine-voice:pitch") on top of the
// defaults (an entry replaces a default of the same name) and tts.prices. kInvalidArgument naming
// the bad entry.
Result<TtsSettings> MakeTtsSettings(const std::vector<std::string>& voices, const std::vector<std::string>& prices);

// Checks a request and resolves its voice and format for `engine` (what SpeechService::Plan does;
// the offline CLI uses it directly).
// `engine` serves tts-1, tts-1-hd and espeak-ng; settings.upstream the providers' models.
Result<SpeechPlan> PlanSpeech(const SpeechRequest& request, engines::TtsEngine& engine, const TtsSettings& settings = {});

// Characters as speech counts and meters them: Unicode code points of the UTF-8 input.
size_t SpeechCharacters(std::string_view input);

// Adds a synthesis to the user's usage (service tts): characters, seconds and cost. Blocking, in the
// caller's transaction.
Status MeterSpeech(store::Connection& conn, const TtsSettings& settings, const std::string& user_id,
                   const std::string& model, size_t characters, double seconds);
// Synthesises and encodes the whole text with its timings, on the plan's engine. Blocking.
Result<TimedSpeech> SynthesizeTimed(const SpeechPlan& plan);

class SpeechService {
 public:
  SpeechService(engines::TtsEngine& engine, BlockingPool& blocking, store::AsyncDb& db, const TtsSettings& settings)
      : engine_(engine), blocking_(blocking), db_(db), settings_(settings) {}

  // kInvalidArgument with param (input, voice, model, speed, response_format) for a bad request.
  Result<SpeechPlan> Plan(const SpeechRequest& request) const;
  // Starts synthesis; the caller reads the stream on its own executor.
  Task<std::unique_ptr<SpeechStream>> Stream(const Caller& caller, SpeechPlan plan);
  Task<Result<TimedSpeech>> SynthesizeWithTimings(const Caller& caller, SpeechPlan plan);

  // The voices callers may name: OpenAI's names, then the engine's own.
  std::vector<std::string> VoiceNames() const;

 private:
  Task<void> Meter(std::string user_id, std::string model, size_t characters, double seconds);
  double Produce(const SpeechPlan& plan, SpeechStream::Shared& shared);

  engines::TtsEngine& engine_;
  BlockingPool& blocking_;
  store::AsyncDb& db_;
  const TtsSettings& settings_;
};

}  // namespace chorus::services
