// Speech-to-text engines. An SttEngine turns 16 kHz mono signed 16-bit PCM into text with segments
// and words timed in seconds from the start of the audio.
//
// Audio arrives through a pull source so that long inputs never sit whole in memory: the engine
// reads chunks until the source reports the end, splitting the audio into utterances as it goes.
//
// Threading: every implementation accepts Transcribe from any number of threads at once (one over a
// library that is not thread-safe keeps one decoder per concurrent call). Progress callbacks run on
// the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace chorus::engines {

inline constexpr int kSttSampleRate = 16000;

struct RecognizedWord {
  std::string word;  // as spoken, lower case, no engine markup ("the", not "the(2)")
  double start = 0;  // seconds from the start of the audio
  double end = 0;    // > start
  double confidence = 0;  // 0..1
};

struct RecognizedSegment {
  double start = 0;  // seconds; segments are in order and do not overlap
  double end = 0;
  std::string text;  // its words joined by single spaces
  std::vector<RecognizedWord> words;  // each within [start, end]
  double confidence = 0;  // 0..1
};

struct Transcript {
  std::string text;      // the segments' texts joined by single spaces
  std::string language;  // BCP 47, e.g. "en"
  double duration = 0;   // seconds of audio read
  double confidence = 0; // 0..1, mean over words weighted by duration; 0 when there are none
  std::vector<RecognizedSegment> segments;
};

struct RecognitionSettings {
  std::string language;  // empty: the engine's own; otherwise must be one it supports
  std::string prompt;    // a hint; engines may ignore it
};

// Fills `out` with up to out.size() samples and returns how many; 0 means the end of the audio.
// Errors stop the transcription and are returned as they are.
using PcmSource = std::function<Result<size_t>(std::span<int16_t> out)>;

// Called now and then with the seconds of audio consumed so far; return false to stop (the call then
// fails with kCancelled).
using ProgressSink = std::function<bool(double seconds_done)>;

class SttEngine {
 public:
  SttEngine() = default;
  SttEngine(const SttEngine&) = delete;
  SttEngine& operator=(const SttEngine&) = delete;
  virtual ~SttEngine() = default;

  // The languages Transcribe accepts, e.g. {"en"}.
  virtual const std::vector<std::string>& languages() const = 0;

  // Reads `source` (kSttSampleRate Hz, mono, s16) to its end and recognises it. Silence gives an
  // empty transcript, not an error. Errors: kInvalidArgument with param "language" (unsupported);
  // kCancelled when progress asked to stop; kUnavailable when the engine failed to open (model files
  // missing); kInternal when the library fails; the source's own errors.
  virtual Result<Transcript> Transcribe(const PcmSource& source, const RecognitionSettings& settings,
                                        const ProgressSink& progress) = 0;
};

}  // namespace chorus::engines
