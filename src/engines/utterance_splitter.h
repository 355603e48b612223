// Cutting a stream of 16 kHz samples into utterances at pauses, for the PocketSphinx engine (see
// pocketsphinx_engine.h for the policy and why the library's own silence removal is not used). An
// energy detector on the decoder's 10 ms frames tells sound from quiet against a moving noise floor.
// Internal to engines/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "engines/stt_engine.h"

namespace chorus::engines {

inline constexpr int kFrameSamples = kSttSampleRate / 100;  // the decoder's 10 ms frame shift

// Silence kept before the first and after the last sound of an utterance, in frames. With less, word
// onsets and fricative tails ("meters") get clipped; much more (2 s) and the decoder hears words in it.
inline constexpr int kMarginFrames = 30;

// A frame is sound when its energy is this far above the noise floor, and above kMinSoundDb (an RMS
// of ~30, -60 dBFS) so that digital silence and dither never count.
inline constexpr double kSoundAboveFloorDb = 12;
inline constexpr double kMinSoundDb = 30;

// The energy of one frame (kFrameSamples samples), in dB.
double FrameEnergyDb(const int16_t* frame);

// A starting noise floor: the 5th percentile of the frame energies, so that a clip that opens with
// speech does not take speech for the floor.
double QuietPercentileDb(const std::vector<int16_t>& samples);

// Tells sound from quiet frame by frame against a noise floor that falls fast (50 ms time constant) and
// rises slowly (5 s), so that the short dips between words pull it back down during speech.
class SoundDetector {
 public:
  explicit SoundDetector(double floor_db) : floor_db_(floor_db) {}

  bool IsSound(double energy_db) {
    const bool sound = energy_db > std::max(floor_db_ + kSoundAboveFloorDb, kMinSoundDb);
    floor_db_ += (energy_db - floor_db_) * (energy_db < floor_db_ ? 0.2 : 0.002);
    return sound;
  }

 private:
  double floor_db_;
};

struct Utterance {
  int64_t first_sample = 0;  // from the start of the audio
  std::vector<int16_t> samples;
};

struct SplitPolicy {
  bool cut = true;  // false: one utterance from the first sound to the last
  int pause_frames = 0;
  int min_frames = 0;
  int max_frames = 0;
};

// Cuts a stream of samples into utterances (see the header). Holds the utterance in progress, or while
// nothing is heard only the last kMarginFrames of silence.
class UtteranceSplitter {
 public:
  UtteranceSplitter(SplitPolicy policy, double floor_db) : policy_(policy), detector_(floor_db) {}

  // Adds the samples that follow those added before; appends the utterances they complete to `done`.
  void Add(std::span<const int16_t> samples, std::vector<Utterance>& done) {
    buffer_.insert(buffer_.end(), samples.begin(), samples.end());
    while (energy_db_.size() < buffer_.size() / kFrameSamples) AddFrame(done);
  }

  // The audio ended: appends the utterance in progress, if anything was heard in it.
  void Finish(std::vector<Utterance>& done) {
    if (last_sound_ < 0) return;
    const size_t end = static_cast<size_t>(last_sound_ + 1 + kMarginFrames) * kFrameSamples;
    Emit(std::min(end, buffer_.size()), done);
    buffer_.clear();
  }

 private:
  int FrameCount() const { return static_cast<int>(energy_db_.size()); }

  void AddFrame(std::vector<Utterance>& done) {
    const int index = FrameCount();
    const double energy = FrameEnergyDb(buffer_.data() + static_cast<size_t>(index) * kFrameSamples);
    const bool sound = detector_.IsSound(energy);
    energy_db_.push_back(energy);
    if (last_sound_ < 0) {
      if (sound) {
        last_sound_ = index;
        DropFrames(std::max(0, index - kMarginFrames));
      } else if (FrameCount() >= 2 * kMarginFrames) {  // in batches, not every frame
        DropFrames(FrameCount() - kMarginFrames);
      }
      return;
    }
    if (sound) last_sound_ = index;
    if (!policy_.cut) return;
    const int quiet_run = FrameCount() - 1 - last_sound_;
    if (quiet_run >= policy_.pause_frames && FrameCount() >= policy_.min_frames) {
      CutAfter(last_sound_ + 1 + policy_.pause_frames / 2, done);  // halfway through the pause
    } else if (FrameCount() >= policy_.max_frames) {
      CutAfter(QuietestFrameInSecondHalf() + 1, done);
    }
  }

  int QuietestFrameInSecondHalf() const {
    const auto from = energy_db_.begin() + FrameCount() / 2;
    return static_cast<int>(std::min_element(from, energy_db_.end()) - energy_db_.begin());
  }

  // Emits the first `frame_count` frames as an utterance; the rest starts the next one.
  void CutAfter(int frame_count, std::vector<Utterance>& done) {
    Emit(static_cast<size_t>(frame_count) * kFrameSamples, done);
    DropFrames(frame_count);  // after a pause the rest is silence; after a forced cut the speech goes on
  }

  void Emit(size_t sample_count, std::vector<Utterance>& done) const {
    const auto end = buffer_.begin() + static_cast<std::ptrdiff_t>(sample_count);
    done.push_back({first_sample_, std::vector<int16_t>(buffer_.begin(), end)});
  }

  void DropFrames(int count) {
    if (count <= 0) return;
    const auto samples = static_cast<std::ptrdiff_t>(count) * kFrameSamples;
    buffer_.erase(buffer_.begin(), buffer_.begin() + samples);
    energy_db_.erase(energy_db_.begin(), energy_db_.begin() + count);
    first_sample_ += samples;
    last_sound_ = std::max(-1, last_sound_ - count);
  }

  const SplitPolicy policy_;
  SoundDetector detector_;
  std::vector<int16_t> buffer_;  // samples from first_sample_ on
  int64_t first_sample_ = 0;
  std::vector<double> energy_db_;  // one per complete frame of buffer_
  int last_sound_ = -1;            // frame index in buffer_ of the last sound; -1 while nothing is heard
};

}  // namespace chorus::engines
