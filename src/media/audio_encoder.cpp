// One FFmpeg pipeline serves every format: s16 mono input -> swresample (rate and sample format the
// encoder wants) -> AVAudioFifo (cuts the encoder's frame size) -> encoder -> muxer -> a custom
// write-only AVIOContext whose callback appends to the string the current call was given. The
// AVIOContext has no seek callback, so every muxer sees a non-seekable output and writes the
// streaming form of its container (see audio_encoder.h); it is flushed after every call.
#include "media/audio_encoder.h"

#include <algorithm>
#include <mutex>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace chorus::media {
namespace {

constexpr int kPcmRate = 24000;                     // OpenAI's pcm: 24 kHz s16le mono
constexpr int kIoBufferSize = 4096;                 // AVIO staging buffer; flushed after every call anyway
constexpr int kMaxSamplesPerConvert = 1 << 16;      // keeps swresample's int sizes far from overflow
constexpr const char* kOggPageDuration = "100000";  // microseconds: one Ogg page per ~5 Opus packets

// Everything that differs between the formats.
// How each format is encoded (its names and content types are in audio_format.cpp).
struct FormatSpec {
  AudioFormat format;
  const char* muxer;
  const char* encoder;
  int64_t bit_rate;  // 0: lossless or PCM
  int fixed_rate;    // 0: follow the input rate (see ChooseRate)
};

constexpr FormatSpec kFormats[] = {
    {AudioFormat::kMp3, "mp3", "libmp3lame", 64000, 0},
    {AudioFormat::kOpus, "ogg", "libopus", 32000, 0},
    {AudioFormat::kAac, "adts", "aac", 64000, 0},
    {AudioFormat::kFlac, "flac", "flac", 0, 0},
    {AudioFormat::kWav, "wav", "pcm_s16le", 0, 0},
    {AudioFormat::kPcm, "s16le", "pcm_s16le", 0, kPcmRate},
};

const FormatSpec& SpecOf(AudioFormat format) {
  for (const FormatSpec& spec : kFormats) {
    if (spec.format == format) return spec;
  }
  return kFormats[std::size(kFormats) - 1];  // unreachable: every enumerator is listed
}

Error FfmpegError(int code, std::string_view what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return MakeError(ErrorCode::kInternal, "audio encoder: " + std::string(what) + ": " + text);
}

Status Check(int code, std::string_view what) {
  if (code < 0) return FfmpegError(code, what);
  return Ok();
}

struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FormatContextFree {  // output contexts only; the AVIOContext is owned separately
  void operator()(AVFormatContext* f) const { avformat_free_context(f); }
};
struct IoContextFree {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);  // may no longer be the buffer we allocated: AVIO can replace it
    avio_context_free(&io);
  }
};
struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct FifoFree {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct DictFree {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

// The input rate when the encoder takes it; else the smallest supported rate above it; else the
// highest supported rate.
int ChooseRate(const AVCodec& codec, int input_rate, int fixed_rate) {
  if (fixed_rate != 0) return fixed_rate;
  if (codec.supported_samplerates == nullptr) return input_rate;
  int above = 0;
  int highest = 0;
  for (const int* rate = codec.supported_samplerates; *rate != 0; ++rate) {
    if (*rate == input_rate) return input_rate;
    if (*rate > input_rate && (above == 0 || *rate < above)) above = *rate;
    highest = std::max(highest, *rate);
  }
  return above != 0 ? above : highest;
}

// 16-bit when the encoder takes it (no precision is gained by widening), else its first choice.
AVSampleFormat ChooseSampleFormat(const AVCodec& codec) {
  if (codec.sample_fmts == nullptr) return AV_SAMPLE_FMT_S16;
  for (const AVSampleFormat* f = codec.sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
    if (*f == AV_SAMPLE_FMT_S16 || *f == AV_SAMPLE_FMT_S16P) return *f;
  }
  return codec.sample_fmts[0];
}

class FfmpegAudioEncoder final : public AudioEncoder {
 public:
  Status Init(const FormatSpec& spec, int input_rate);
  Status Write(std::span<const int16_t> samples, std::string& out) override;
  Status Finish(std::string& out) override;
  int output_rate() const override { return enc_->sample_rate; }

 private:
  enum class State { kOpen, kFinished, kFailed };

  // Points the AVIO callback at `out` for the duration of one call; the container header, written
  // during Init before any caller string exists, goes out first.
  class SinkScope {
   public:
    SinkScope(FfmpegAudioEncoder& e, std::string& out) : e_(e) {
      out.append(e.header_);
      e.header_ = std::string();
      e.sink_ = &out;
    }
    ~SinkScope() { e_.sink_ = nullptr; }
    SinkScope(const SinkScope&) = delete;
    SinkScope& operator=(const SinkScope&) = delete;

   private:
    FfmpegAudioEncoder& e_;
  };

  static int WritePacket(void* opaque, uint8_t* data, int size);
  Status OpenEncoder(const AVCodec& codec, const FormatSpec& spec, int input_rate);
  Status OpenMuxer(const FormatSpec& spec);
  Status OpenResampler(int input_rate);
  Status CheckOpen() const;
  Status WriteSamples(std::span<const int16_t> samples);
  Status FlushAll();
  Status Resample(const uint8_t* input, int count);
  Status EncodeBuffered(bool final);
  Status EncodeFrame(int count, bool pad);
  Status DrainPackets();

  // Declared first so that it outlives the muxer, which holds a pointer to it.
  std::unique_ptr<AVIOContext, IoContextFree> io_;
  std::unique_ptr<AVFormatContext, FormatContextFree> mux_;
  AVStream* stream_ = nullptr;  // owned by mux_
  std::unique_ptr<AVCodecContext, CodecContextFree> enc_;
  std::unique_ptr<SwrContext, SwrFree> swr_;
  std::unique_ptr<AVAudioFifo, FifoFree> fifo_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
  std::vector<uint8_t> convert_buffer_;  // resampler output, reused between calls
  int frame_size_ = 0;                   // samples per encoder frame; 0: any size
  bool small_last_frame_ = false;        // the encoder accepts a short final frame
  int64_t next_pts_ = 0;                 // in samples at the output rate
  std::string header_;                   // muxer output written before the first call
  std::string* sink_ = nullptr;          // the string of the call in progress
  State state_ = State::kOpen;
};

int FfmpegAudioEncoder::WritePacket(void* opaque, uint8_t* data, int size) {
  auto* self = static_cast<FfmpegAudioEncoder*>(opaque);
  std::string& target = self->sink_ != nullptr ? *self->sink_ : self->header_;
  target.append(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  return size;
}

Status FfmpegAudioEncoder::Init(const FormatSpec& spec, int input_rate) {
  const AVCodec* codec = avcodec_find_encoder_by_name(spec.encoder);
  if (codec == nullptr) {
    return Unexpected(ErrorCode::kInternal, std::string("audio encoder: FFmpeg has no encoder ") + spec.encoder);
  }
  CHORUS_TRY(OpenEncoder(*codec, spec, input_rate));
  CHORUS_TRY(OpenMuxer(spec));
  CHORUS_TRY(OpenResampler(input_rate));
  fifo_.reset(av_audio_fifo_alloc(enc_->sample_fmt, 1, std::max(frame_size_, 1024)));
  packet_.reset(av_packet_alloc());
  if (!fifo_ || !packet_) return FfmpegError(AVERROR(ENOMEM), "allocating buffers");
  return Ok();
}

Status FfmpegAudioEncoder::OpenEncoder(const AVCodec& codec, const FormatSpec& spec, int input_rate) {
  enc_.reset(avcodec_alloc_context3(&codec));
  if (!enc_) return FfmpegError(AVERROR(ENOMEM), "allocating the encoder");
  enc_->sample_fmt = ChooseSampleFormat(codec);
  enc_->sample_rate = ChooseRate(codec, input_rate, spec.fixed_rate);
  av_channel_layout_default(&enc_->ch_layout, 1);
  enc_->time_base = AVRational{1, enc_->sample_rate};
  if (spec.bit_rate > 0) enc_->bit_rate = spec.bit_rate;
  // Speech at these bitrates loses nothing audible at lower encoder effort, and encoding is most of
  // the cost of a synthesised request (bench/tts_bench): opus complexity 5 of 10, lame quality 7.
  if (codec.id == AV_CODEC_ID_OPUS) enc_->compression_level = 5;
  if (codec.id == AV_CODEC_ID_MP3) enc_->compression_level = 7;
  const AVOutputFormat* muxer = av_guess_format(spec.muxer, nullptr, nullptr);
  if (muxer != nullptr && (muxer->flags & AVFMT_GLOBALHEADER) != 0) {
    enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  }
  AVDictionary* raw_options = nullptr;
  if (codec.id == AV_CODEC_ID_OPUS) av_dict_set(&raw_options, "application", "voip", 0);
  int rc = avcodec_open2(enc_.get(), &codec, &raw_options);
  std::unique_ptr<AVDictionary, DictFree> options(raw_options);
  CHORUS_TRY(Check(rc, std::string("opening ") + spec.encoder));
  const bool variable = (codec.capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
  frame_size_ = variable ? 0 : enc_->frame_size;
  small_last_frame_ = (codec.capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
  return Ok();
}

Status FfmpegAudioEncoder::OpenMuxer(const FormatSpec& spec) {
  AVFormatContext* raw = nullptr;
  CHORUS_TRY(Check(avformat_alloc_output_context2(&raw, nullptr, spec.muxer, nullptr),
                   std::string("creating the ") + spec.muxer + " muxer"));
  mux_.reset(raw);
  // Bit-exact: no "Lavf..." version strings (keeps the WAV header at 44 bytes) and a fixed Ogg
  // serial number, so equal input gives equal output.
  mux_->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;
  mux_->metadata_header_padding = 0;  // FLAC would reserve 8 KiB for tags nobody rewrites
  stream_ = avformat_new_stream(mux_.get(), nullptr);
  if (stream_ == nullptr) return FfmpegError(AVERROR(ENOMEM), "adding the stream");
  CHORUS_TRY(Check(avcodec_parameters_from_context(stream_->codecpar, enc_.get()), "copying encoder parameters"));
  stream_->time_base = enc_->time_base;

  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return FfmpegError(AVERROR(ENOMEM), "allocating the output buffer");
  io_.reset(avio_alloc_context(buffer, kIoBufferSize, /*write_flag=*/1, this, nullptr, &FfmpegAudioEncoder::WritePacket,
                               nullptr));
  if (!io_) {
    av_free(buffer);
    return FfmpegError(AVERROR(ENOMEM), "allocating the output context");
  }
  mux_->pb = io_.get();

  AVDictionary* raw_options = nullptr;
  av_dict_set(&raw_options, "page_duration", kOggPageDuration, 0);  // ogg
  av_dict_set(&raw_options, "id3v2_version", "0", 0);               // mp3: bare frames
  int rc = avformat_write_header(mux_.get(), &raw_options);
  std::unique_ptr<AVDictionary, DictFree> unused(raw_options);  // options other muxers ignore
  CHORUS_TRY(Check(rc, "writing the container header"));
  avio_flush(mux_->pb);
  return Ok();
}

Status FfmpegAudioEncoder::OpenResampler(int input_rate) {
  AVChannelLayout mono;
  av_channel_layout_default(&mono, 1);
  SwrContext* raw = nullptr;
  int rc = swr_alloc_set_opts2(&raw, &mono, enc_->sample_fmt, enc_->sample_rate, &mono, AV_SAMPLE_FMT_S16, input_rate,
                               0, nullptr);
  swr_.reset(raw);
  CHORUS_TRY(Check(rc, "configuring the resampler"));
  return Check(swr_init(swr_.get()), "starting the resampler");
}

Status FfmpegAudioEncoder::CheckOpen() const {
  if (state_ == State::kOpen) return Ok();
  return Unexpected(ErrorCode::kFailedPrecondition,
                    state_ == State::kFinished ? "audio encoder: already finished" : "audio encoder: failed earlier");
}

Status FfmpegAudioEncoder::Write(std::span<const int16_t> samples, std::string& out) {
  CHORUS_TRY(CheckOpen());
  SinkScope scope(*this, out);
  Status status = WriteSamples(samples);
  if (!status) state_ = State::kFailed;
  return status;
}

Status FfmpegAudioEncoder::WriteSamples(std::span<const int16_t> samples) {
  while (!samples.empty()) {
    const size_t count = std::min<size_t>(samples.size(), kMaxSamplesPerConvert);
    CHORUS_TRY(Resample(reinterpret_cast<const uint8_t*>(samples.data()), static_cast<int>(count)));
    samples = samples.subspan(count);
  }
  CHORUS_TRY(EncodeBuffered(/*final=*/false));
  avio_flush(mux_->pb);
  return Check(mux_->pb->error, "writing output");
}

Status FfmpegAudioEncoder::Finish(std::string& out) {
  CHORUS_TRY(CheckOpen());
  SinkScope scope(*this, out);
  Status status = FlushAll();
  state_ = status ? State::kFinished : State::kFailed;
  return status;
}

Status FfmpegAudioEncoder::FlushAll() {
  CHORUS_TRY(Resample(nullptr, 0));  // the resampler's own delay
  CHORUS_TRY(EncodeBuffered(/*final=*/true));
  CHORUS_TRY(Check(avcodec_send_frame(enc_.get(), nullptr), "flushing the encoder"));
  CHORUS_TRY(DrainPackets());
  CHORUS_TRY(Check(av_write_trailer(mux_.get()), "writing the container trailer"));
  avio_flush(mux_->pb);
  return Check(mux_->pb->error, "writing output");
}

// Converts `count` input samples (input == nullptr: drains the resampler) into the FIFO.
Status FfmpegAudioEncoder::Resample(const uint8_t* input, int count) {
  const int capacity = swr_get_out_samples(swr_.get(), count);
  if (capacity <= 0) return Ok();  // nothing buffered to drain
  const int bytes_per_sample = av_get_bytes_per_sample(enc_->sample_fmt);
  convert_buffer_.resize(static_cast<size_t>(capacity) * static_cast<size_t>(bytes_per_sample));
  uint8_t* planes[1] = {convert_buffer_.data()};  // mono: packed and planar are one plane alike
  const uint8_t* inputs[1] = {input};
  const int converted = swr_convert(swr_.get(), planes, capacity, input != nullptr ? inputs : nullptr, count);
  CHORUS_TRY(Check(converted, "resampling"));
  if (converted == 0) return Ok();
  void* fifo_planes[1] = {convert_buffer_.data()};
  const int written = av_audio_fifo_write(fifo_.get(), fifo_planes, converted);
  return Check(written < converted ? AVERROR(ENOMEM) : written, "buffering samples");
}

// Feeds whole frames from the FIFO to the encoder; with `final`, also the last partial frame.
Status FfmpegAudioEncoder::EncodeBuffered(bool final) {
  while (true) {
    const int available = av_audio_fifo_size(fifo_.get());
    if (available == 0) return Ok();
    if (frame_size_ == 0) return EncodeFrame(available, /*pad=*/false);
    if (available >= frame_size_) {
      CHORUS_TRY(EncodeFrame(frame_size_, /*pad=*/false));
    } else if (final) {
      return EncodeFrame(available, /*pad=*/!small_last_frame_);
    } else {
      return Ok();
    }
  }
}

// Sends `count` samples from the FIFO as one frame; `pad` fills it with silence to frame_size_.
Status FfmpegAudioEncoder::EncodeFrame(int count, bool pad) {
  std::unique_ptr<AVFrame, FrameFree> frame(av_frame_alloc());
  if (!frame) return FfmpegError(AVERROR(ENOMEM), "allocating a frame");
  frame->nb_samples = pad ? frame_size_ : count;
  frame->format = enc_->sample_fmt;
  frame->sample_rate = enc_->sample_rate;
  CHORUS_TRY(Check(av_channel_layout_copy(&frame->ch_layout, &enc_->ch_layout), "frame layout"));
  CHORUS_TRY(Check(av_frame_get_buffer(frame.get(), 0), "allocating frame samples"));
  auto** planes = reinterpret_cast<void**>(frame->data);
  if (av_audio_fifo_read(fifo_.get(), planes, count) != count) {
    return FfmpegError(AVERROR_BUG, "reading buffered samples");
  }
  if (pad) {
    av_samples_set_silence(frame->data, count, frame_size_ - count, 1, enc_->sample_fmt);
  }
  frame->pts = next_pts_;
  next_pts_ += frame->nb_samples;
  CHORUS_TRY(Check(avcodec_send_frame(enc_.get(), frame.get()), "encoding"));
  return DrainPackets();
}

Status FfmpegAudioEncoder::DrainPackets() {
  while (true) {
    const int rc = avcodec_receive_packet(enc_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Ok();
    CHORUS_TRY(Check(rc, "encoding"));
    av_packet_rescale_ts(packet_.get(), enc_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    const int written = av_write_frame(mux_.get(), packet_.get());
    av_packet_unref(packet_.get());
    CHORUS_TRY(Check(written, "muxing"));
  }
}

}  // namespace

// FFmpeg writes to standard error on its own: informational lines (encoder statistics, header
// rewrites it cannot do on a stream) and, for every damaged packet of an uploaded file, an error line
// ("invalid residual"), so a hostile upload could flood the log. Every failure that matters comes
// back as an Error with FFmpeg's text; only fatal messages are left to FFmpeg.
void QuietLibraryLogs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_FATAL); });
}

Result<std::unique_ptr<AudioEncoder>> AudioEncoder::Make(AudioFormat format, int input_rate) {
  QuietLibraryLogs();
  if (input_rate < 1000 || input_rate > 384000) {
    return Unexpected(ErrorCode::kInvalidArgument, "audio encoder: input sample rate must be 1000..384000 Hz");
  }
  auto encoder = std::make_unique<FfmpegAudioEncoder>();
  CHORUS_TRY(encoder->Init(SpecOf(format), input_rate));
  return std::unique_ptr<AudioEncoder>(std::move(encoder));
}

}  // namespace chorus::media
