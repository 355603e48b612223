// Text-to-speech engines. A TtsEngine turns UTF-8 text into mono signed 16-bit PCM, handing the audio
// to a sink chunk by chunk as it is produced, and reports where each word starts in the audio so
// that callers can align text and sound (see engines/alignment.h).
//
// Threading: every implementation must accept Synthesize from any number of threads at once (an
// implementation over a library that is not thread-safe queues them). The sink is called on a
// thread the engine chooses, never concurrently for one call, and must not call back into the
// engine. sample_rate() and voices() are fixed once the engine is open and safe to call anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chorus::engines {

struct Voice {
  std::string id;        // what SynthesisSettings::voice takes, e.g. "en-us", "en", "de", "fr"
  std::string name;      // human-readable, e.g. "English (America)"
  std::string language;  // BCP 47-like, lower case, e.g. "en-us", "en-gb", "fr-fr"
  std::string gender;    // "male", "female" or "" when the engine does not say
};

struct SynthesisSettings {
  std::string voice = "en-us";  // a Voice::id
  double speed = 1.0;           // 0.25..4.0, relative to the engine's normal rate
  int pitch = 50;               // 0..100, 50 is the voice's normal pitch
  int volume = 100;             // 0..200, 100 is normal; above it the engine may compress or distort
};

// Where a spoken word starts. Offsets are in bytes into the UTF-8 input and always fall on code point
// boundaries. Events come in text order with strictly increasing offsets and non-decreasing times;
// spans never overlap. One event may stand for more than the word it spans (espeak-ng says "of the"
// with one event for "of"): the audio up to the next event belongs to all the text up to it.
struct WordEvent {
  size_t text_offset = 0;
  size_t text_length = 0;
  double start_seconds = 0;
};

// Receives PCM (mono, signed 16-bit, sample_rate()) as it is produced; return false to stop early.
using PcmSink = std::function<bool(std::span<const int16_t> samples)>;

struct SynthesisResult {
  std::vector<WordEvent> words;  // only the words reached before a stop
  size_t samples = 0;            // samples handed to the sink (including the chunk it refused)
  bool stopped = false;          // the sink returned false; the audio is incomplete
};

class TtsEngine {
 public:
  TtsEngine() = default;
  TtsEngine(const TtsEngine&) = delete;
  TtsEngine& operator=(const TtsEngine&) = delete;
  virtual ~TtsEngine() = default;

  // Samples per second of every synthesis.
  virtual int sample_rate() const = 0;
  // The voices SynthesisSettings::voice may name.
  virtual const std::vector<Voice>& voices() const = 0;

  // Synthesises `text` (UTF-8, not SSML) and blocks until the audio has all gone to `sink` or the
  // sink asked to stop (then result.stopped is true: a stop is not an error). Errors:
  // kInvalidArgument with param "input" (empty or not UTF-8), "voice" (not in voices()), "speed",
  // "pitch" or "volume" (out of range); kUnavailable when the engine is closed or failed to open;
  // kInternal when the library fails or the sink throws. Safe to call concurrently.
  virtual Result<SynthesisResult> Synthesize(std::string_view text, const SynthesisSettings& settings,
                                             const PcmSink& sink) = 0;
};

}  // namespace chorus::engines
