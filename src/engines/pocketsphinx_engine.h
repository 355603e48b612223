// SttEngine over PocketSphinx 5prealpha (CMU Sphinx), the only file pair that includes its headers.
// English only, with the en-us acoustic model, its generic 3-gram language model and CMUdict.
//
// Threading: a PocketSphinx decoder is not thread-safe and holds ~100 MB, so the engine keeps a pool
// of at most `max_decoders` of them. The first is loaded by Open (so that a broken model fails there,
// not in a Transcribe call); the others are loaded on demand when that many calls overlap, and are
// kept for later calls. A call holds a decoder while it decodes, not while it waits for audio, and
// one that finds them all busy waits for one to come back.
//
// Splitting: a clip of up to `short_clip_seconds` is decoded as one utterance over the whole
// clip (the language model sees all of it; one segment), with only the silence before the first and
// after the last sound trimmed. Longer audio is read in chunks and cut into utterances at pauses by an
// energy detector on 10 ms frames: at the first pause of `pause_seconds` once an utterance is
// `min_utterance_seconds` long, or else at its quietest frame in its second half when it reaches
// `max_utterance_seconds`. Each utterance is decoded whole with its absolute sample offset, so word
// times are absolute, every segment has times, and memory stays flat (at most the first
// `short_clip_seconds` plus one utterance of samples). Silence between utterances is dropped.
//
// The library's own silence removal (-remove_silence, on by default) is turned off: in this version
// its voice-activity detector drops non-speech frames in the front end before the search, so segment
// frame numbers count only the frames kept. Measured on goforward.raw with 2 s of silence put in
// front: "go" starts at frame 161 with it instead of 246 without, 0.85 s early. Trimming here instead
// keeps the frame numbers aligned with the samples, and long runs of silence out of the decoder (2 s
// of leading silence turned "go forward ten meters" into "go forward and majors").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engines/stt_engine.h"

namespace chorus::engines {

class PocketSphinxDecoderPool;  // pocketsphinx_engine.cpp

struct PocketSphinxOptions {
  // Holds en-us/ (the acoustic model), en-us.lm.bin and cmudict-en-us.dict.
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
  // Decoders kept at most, hence concurrent recognitions; ~100 MB resident each.
  int max_decoders = 2;

  // Splitting policy (see above), in seconds of audio.
  double short_clip_seconds = 30;
  double pause_seconds = 0.3;
  double min_utterance_seconds = 3;
  double max_utterance_seconds = 30;
};

class PocketSphinxEngine final : public SttEngine {
 public:
  // Checks the model files and loads the first decoder. kUnavailable when a model file is missing or
  // the library cannot load them; kInvalidArgument when the options are out of range. A model file
  // that is present but corrupt makes the library call exit() (its loaders do on parse errors, e.g. a
  // garbage mdef): loading here makes that happen when the engine is opened, with the library's
  // message in the log, rather than partway through a later call.
  //
  // Sends the library's errors to the Chorus log and drops the rest of its output, for the whole
  // process (the library has one global log). Not -logfn per decoder: each -logfn opens a new log
  // FILE and closes the previous one, which a decoder on another thread may be writing to then.
  static Result<std::unique_ptr<PocketSphinxEngine>> Open(PocketSphinxOptions options = {});

  // No Transcribe call may be in progress.
  ~PocketSphinxEngine() override;

  const std::vector<std::string>& languages() const override { return languages_; }

  // Accepts language "" (meaning "en"), "en" and "en-us" in any case. Word confidences are the
  // decoder's posterior probabilities; fillers (silence, noise, breath) are left out. Progress is
  // reported after each chunk read (kChunkSeconds); an utterance being decoded (up to
  // max_utterance_seconds of audio, ~0.3 s of work per second) is not interrupted by cancellation.
  Result<Transcript> Transcribe(const PcmSource& source, const RecognitionSettings& settings,
                                const ProgressSink& progress) override;

  // Audio read from the source per call.
  static constexpr double kChunkSeconds = 0.5;

  // Decoders loaded now (idle or busy): never more than max_decoders.
  int LoadedDecodersForTest() const;

 private:
  PocketSphinxEngine(PocketSphinxOptions options, std::unique_ptr<PocketSphinxDecoderPool> pool);

  const PocketSphinxOptions options_;
  const std::vector<std::string> languages_{"en"};
  const std::unique_ptr<PocketSphinxDecoderPool> pool_;
};

}  // namespace chorus::engines
