// TtsEngine over libespeak-ng, the only file pair that includes its headers.
//
// Threading: espeak-ng keeps one voice, one callback and all of its synthesis state in process
// globals and is not thread-safe, so every espeak call is made on one thread that the engine owns.
// Synthesize posts a job to that thread's queue and blocks until it is done; callers on many threads
// queue up, first come first served, and the sink runs on the espeak thread. For the same reason at
// most one EspeakEngine may be open in a process at a time.
//
// One thread rather than a pool of child processes, measured here (2 shared cores, Release):
//   "go forward ten meters" (1.3 s of audio): 1 caller ~500 syntheses/s (~650x real time); 2
//   concurrent callers ~500/s in total, ~250/s each. A 45 s text: ~900x real time, 1 or 2 callers.
//   `espeak-ng --stdout` processes pay a fork/exec and a voice load (~13 ms) each: the short text
//   73/s with one, 160/s with two in parallel; the 45 s text ~510x real time with one, ~1,000x with two.
// So the thread is ~3x faster for short requests and ~10% slower for long ones with both cores busy,
// starts audio within milliseconds, and needs no process management.
//
// espeak_Terminate is never called: in synchronous mode on 1.51 it blocked forever here after a
// second espeak_Initialize in the process, and after a synthesis that the callback stopped, whereas
// initialising again without terminating works (and is clean under valgrind). Closing an engine stops
// its thread; the library's memory stays until exit, and the next Open initialises it again.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engines/tts_engine.h"

namespace chorus::engines {

class EspeakEngine final : public TtsEngine {
 public:
  // Length of the chunks handed to the sink, in milliseconds of audio (1,324 samples at 22,050 Hz):
  // the first chunk of a 45 s text reached the sink ~0.5 ms after the call (all of it: ~45 ms).
  static constexpr int kChunkMilliseconds = 60;
  // espeak-ng's rate in words per minute at speed 1.0. The rate is 175 * speed, clamped to the
  // library's 80..450 range: speeds below ~0.46 all sound like 0.46, above ~2.57 like 2.57.
  static constexpr int kNormalWordsPerMinute = 175;
  static constexpr int kMinWordsPerMinute = 80;
  static constexpr int kMaxWordsPerMinute = 450;

  // Initialises espeak-ng with its voice data from `data_path` (the folder holding espeak-ng-data, or
  // that folder itself; "" for the library's default). kUnavailable when the library cannot start or
  // finds no voices, or when another EspeakEngine is open in this process.
  static Result<std::unique_ptr<EspeakEngine>> Open(std::string data_path = "");

  // Finishes the queued jobs, then stops the espeak thread. No Synthesize call may be in progress.
  ~EspeakEngine() override;

  int sample_rate() const override { return sample_rate_; }
  const std::vector<Voice>& voices() const override { return voices_; }
  Result<SynthesisResult> Synthesize(std::string_view text, const SynthesisSettings& settings,
                                     const PcmSink& sink) override;

  // espeak-ng's rate in words per minute for a speed (see kNormalWordsPerMinute).
  static int WordsPerMinute(double speed);

 private:
  EspeakEngine();

  // Runs `task` on the espeak thread after the tasks queued before it.
  void Post(std::function<void()> task);
  void Loop();

  // On the espeak thread.
  Status Initialize(const std::string& data_path);
  Result<SynthesisResult> Run(const std::string& text, const SynthesisSettings& settings, const PcmSink& sink);

  Status Validate(std::string_view text, const SynthesisSettings& settings) const;

  // Written by Initialize on the espeak thread before Open returns; fixed afterwards.
  int sample_rate_ = 0;
  std::vector<Voice> voices_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
  std::thread thread_;                       // the espeak thread; started last, joined first
};

}  // namespace chorus::engines
