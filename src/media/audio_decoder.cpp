// AudioDecoder: frames from AudioInput -> libswresample (downmix by an equal-weight matrix, resample,
// convert to s16) -> a pending buffer of about one frame's output that Read copies out. Nothing else
// is buffered, so memory does not grow with the length of the audio.
#include "media/audio_decoder.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "media/ffmpeg_input.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
}

namespace chorus::media {


namespace {

using detail::FfmpegError;
using detail::InputError;

constexpr int kMaxChannels = 64;  // libswresample's own limit (SWR_CH_MAX)
// The most output one decoded frame may produce. Real frames yield a few thousand samples; a frame
// that claims a tiny sample rate would otherwise ask for gigabytes at once.
constexpr int kMaxSamplesPerFrame = 1 << 21;
// Sums of per-frame durations carry rounding; audio exactly at the limit must pass.
constexpr double kLimitSlackSeconds = 1e-6;

struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};

// The input side a resampler was built for. It can change mid-stream (chained Ogg, an MP3 whose
// frames switch rate), and then the resampler is rebuilt.
struct InputFormat {
  int sample_rate = 0;
  int sample_format = 0;
  int channels = 0;
  bool operator==(const InputFormat&) const = default;
};

std::string LimitText(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return std::string(text) + (seconds == 1 ? " second" : " seconds");
}

class FfmpegAudioDecoder final : public AudioDecoder {
 public:
  FfmpegAudioDecoder(std::unique_ptr<detail::AudioInput> input, const DecodeOptions& options)
      : input_(std::move(input)), options_(options) {}

  Status Prime();
  Result<size_t> Read(std::span<int16_t> out) override;
  const DecodedInfo& info() const override { return info_; }
  double seconds_decoded() const override { return static_cast<double>(samples_read_) / options_.sample_rate; }

 private:
  Status Refill();
  Status CountAgainstLimit(const AVFrame& frame);
  Status Configure(const AVFrame& frame);
  Status MakeResampler(const InputFormat& format, const AVChannelLayout& layout);
  Status Resample(const uint8_t** input, int count);
  Status Flush();

  const std::unique_ptr<detail::AudioInput> input_;
  const DecodeOptions options_;
  DecodedInfo info_;
  std::unique_ptr<SwrContext, SwrFree> swr_;
  InputFormat swr_input_;
  std::vector<int16_t> pending_;  // resampled samples; Read has taken those before pending_pos_
  size_t pending_pos_ = 0;
  double source_seconds_ = 0;  // decoded, before resampling: what max_seconds limits
  uint64_t samples_read_ = 0;
  bool ended_ = false;          // the input is exhausted and the resampler flushed
  std::optional<Error> error_;  // once set, every later Read returns it
};

// Decodes until there is output or the input ends, so Open fails on input without decodable audio.
Status FfmpegAudioDecoder::Prime() {
  while (pending_.empty() && !ended_) CHORUS_TRY(Refill());
  if (source_seconds_ == 0) return InputError(ErrorCode::kInvalidArgument, "no audio could be decoded from the file");
  info_ = DecodedInfo{
      .format_name = input_->format_name(),
      .codec = input_->codec_name(),
      .source_sample_rate = input_->sample_rate(),
      .source_channels = input_->channels(),
      .declared_seconds = input_->declared_seconds(),
  };
  return Ok();
}

Result<size_t> FfmpegAudioDecoder::Read(std::span<int16_t> out) {
  size_t written = 0;
  while (written < out.size()) {
    if (pending_pos_ < pending_.size()) {
      const size_t count = std::min(out.size() - written, pending_.size() - pending_pos_);
      std::copy_n(pending_.begin() + static_cast<std::ptrdiff_t>(pending_pos_), count, out.begin() + written);
      pending_pos_ += count;
      written += count;
      continue;
    }
    if (ended_ || error_) break;
    if (Status refilled = Refill(); !refilled) error_ = std::move(refilled).error();
  }
  samples_read_ += written;
  if (written == 0 && error_) return *error_;
  return written;
}

// Replaces the (fully read) pending samples with the output of the next frame, or of the final flush.
Status FfmpegAudioDecoder::Refill() {
  pending_.clear();  // keeps its capacity: one frame's worth, reused
  pending_pos_ = 0;
  CHORUS_ASSIGN_OR_RETURN(const AVFrame* frame, input_->NextFrame());
  if (frame == nullptr) {
    ended_ = true;
    return Flush();
  }
  CHORUS_TRY(CountAgainstLimit(*frame));
  CHORUS_TRY(Configure(*frame));
  return Resample(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
}

Status FfmpegAudioDecoder::CountAgainstLimit(const AVFrame& frame) {
  if (frame.sample_rate <= 0) return InputError(ErrorCode::kInvalidArgument, "the audio file is damaged");
  source_seconds_ += static_cast<double>(frame.nb_samples) / frame.sample_rate;
  if (source_seconds_ > options_.max_seconds + kLimitSlackSeconds) {
    return InputError(ErrorCode::kInvalidArgument,
                      "audio is longer than the limit of " + LimitText(options_.max_seconds));
  }
  return Ok();
}

Status FfmpegAudioDecoder::Configure(const AVFrame& frame) {
  const InputFormat format{frame.sample_rate, frame.format, frame.ch_layout.nb_channels};
  if (swr_ && format == swr_input_) return Ok();
  CHORUS_TRY(Flush());  // the old resampler's delayed samples come before this frame's
  return MakeResampler(format, frame.ch_layout);
}

// Mono by the mean of all channels, through a custom matrix: it works for any channel count and for
// layouts without a channel order (WAV often has none), where swresample's own downmix gives up.
Status FfmpegAudioDecoder::MakeResampler(const InputFormat& format, const AVChannelLayout& layout) {
  if (format.channels < 1) return InputError(ErrorCode::kInvalidArgument, "the audio file is damaged");
  if (format.channels > kMaxChannels) {
    return InputError(ErrorCode::kUnsupportedMedia, "audio with more than 64 channels is not supported");
  }
  AVChannelLayout in_layout{};
  if (layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&in_layout, format.channels);
  } else if (int rc = av_channel_layout_copy(&in_layout, &layout); rc < 0) {
    return FfmpegError(ErrorCode::kInternal, rc, "channel layout");
  }
  AVChannelLayout mono{};
  av_channel_layout_default(&mono, 1);
  SwrContext* raw = nullptr;
  int rc = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_S16, options_.sample_rate, &in_layout,
                               static_cast<AVSampleFormat>(format.sample_format), format.sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  swr_.reset(raw);
  if (rc >= 0 && format.channels > 1) {
    const std::vector<double> matrix(static_cast<size_t>(format.channels), 1.0 / format.channels);
    rc = swr_set_matrix(raw, matrix.data(), format.channels);
  }
  if (rc >= 0) rc = swr_init(raw);
  if (rc < 0) {
    swr_.reset();
    return FfmpegError(ErrorCode::kUnsupportedMedia, rc, "cannot convert this audio");
  }
  swr_input_ = format;
  return Ok();
}

// Appends the resampler's output for `count` input samples (nullptr and 0: its delayed tail).
Status FfmpegAudioDecoder::Resample(const uint8_t** input, int count) {
  const int bound = swr_get_out_samples(swr_.get(), count);
  if (bound < 0) return FfmpegError(ErrorCode::kInternal, bound, "resampling");
  if (bound == 0) return Ok();  // also guards the final flush, which must not be asked for nothing
  if (bound > kMaxSamplesPerFrame) {
    return InputError(ErrorCode::kUnsupportedMedia, "the audio's sample rate is not supported");
  }
  const size_t start = pending_.size();
  pending_.resize(start + static_cast<size_t>(bound));
  uint8_t* planes[1] = {reinterpret_cast<uint8_t*>(pending_.data() + start)};
  const int converted = swr_convert(swr_.get(), planes, bound, input, count);
  pending_.resize(start + static_cast<size_t>(std::max(converted, 0)));
  if (converted < 0) return FfmpegError(ErrorCode::kInternal, converted, "resampling");
  return Ok();
}

// Drains the resampler's filter delay into pending_ and retires it; a no-op without one.
Status FfmpegAudioDecoder::Flush() {
  if (!swr_) return Ok();
  Status flushed = Resample(nullptr, 0);
  swr_.reset();
  return flushed;
}

}  // namespace

Result<std::unique_ptr<AudioDecoder>> AudioDecoder::Open(AudioSource source, const DecodeOptions& options) {
  if (options.sample_rate < 1000 || options.sample_rate > 384000) {
    return Unexpected(ErrorCode::kInvalidArgument, "audio decoder: sample_rate must be 1000..384000 Hz");
  }
  if (!(options.max_seconds > 0)) {
    return Unexpected(ErrorCode::kInvalidArgument, "audio decoder: max_seconds must be positive");
  }
  CHORUS_ASSIGN_OR_RETURN(std::unique_ptr<detail::AudioInput> input, detail::AudioInput::Open(source));
  auto decoder = std::make_unique<FfmpegAudioDecoder>(std::move(input), options);
  CHORUS_TRY(decoder->Prime());
  return std::unique_ptr<AudioDecoder>(std::move(decoder));
}

}  // namespace chorus::media
