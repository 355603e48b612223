// Internal to src/media: opening untrusted encoded audio with FFmpeg and pulling decoded frames of its
// first audio stream. ProbeAudio and AudioDecoder both stand on this, so the rules that make untrusted
// input safe live in one place (ffmpeg_input.cpp):
//   - bytes reach FFmpeg only through a read-only AVIOContext over memory or a file range (pread);
//   - the container is decided by probing those bytes, and only whitelisted demuxers may open them;
//   - a demuxer's request to open another resource (io_open) is refused;
//   - no single FFmpeg allocation may exceed 256 MiB (av_max_alloc, process-wide), so a damaged size
//     field cannot reserve gigabytes; streams other than the chosen audio are discarded unread.
// FFmpeg's types are only declared here; its headers stay in the .cpp files.
//
// Threading: an AudioInput is used by one thread at a time; distinct inputs share nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "media/audio_decoder.h"

struct AVCodecContext;
struct AVFormatContext;
struct AVFrame;
struct AVIOContext;
struct AVPacket;

namespace chorus::media::detail {

// The parameter every input-caused error names.
inline constexpr const char* kFileParam = "file";

// An error about the caller's input: `code` with param "file".
Error InputError(ErrorCode code, std::string message);

// "<what>: <FFmpeg's text for averror>", with param "file" unless `code` is kInternal.
Error FfmpegError(ErrorCode code, int averror, std::string_view what);

struct IoContextFree {
  void operator()(AVIOContext* io) const;
};
struct InputFree {  // the AVIOContext is owned separately (AVFMT_FLAG_CUSTOM_IO)
  void operator()(AVFormatContext* f) const;
};
struct CodecContextFree {
  void operator()(AVCodecContext* c) const;
};
struct PacketFree {
  void operator()(AVPacket* p) const;
};
struct FrameFree {
  void operator()(AVFrame* f) const;
};

class SourceReader;  // the AVIOContext's view of an AudioSource (ffmpeg_input.cpp)

// An opened source: its demuxer and the decoder of its best audio stream (other streams are
// discarded unread).
class AudioInput {
 public:
  // Errors: kInvalidArgument when the source is empty or its recognised container is damaged;
  // kUnsupportedMedia when the bytes are no accepted container, hold no audio stream or a codec
  // without a decoder; kInternal when the file cannot be read.
  static Result<std::unique_ptr<AudioInput>> Open(const AudioSource& source);

  AudioInput(const AudioInput&) = delete;
  AudioInput& operator=(const AudioInput&) = delete;
  ~AudioInput();

  // The next decoded frame (nb_samples > 0), or nullptr once the stream has ended and the decoder is
  // drained; valid until the next call. Packets that fail to decode are skipped and demuxing stops
  // at data it cannot parse (a truncated or damaged tail), as players do. Errors: kInternal when the
  // file cannot be read; kInvalidArgument when the decoder keeps failing without taking input.
  Result<const AVFrame*> NextFrame();

  std::string format_name() const;
  std::string codec_name() const;
  int sample_rate() const;  // the decoder's current values
  int channels() const;
  double declared_seconds() const;  // the container's claim; 0 when it makes none

 private:
  AudioInput();
  Status OpenContainer();
  Status OpenStream();
  Status FeedDecoder();
  Error ReadError(std::string_view what) const;

  // Declared in this order so that each outlives what points at it: the AVIOContext reads through
  // the reader, the demuxer through the AVIOContext.
  std::unique_ptr<SourceReader> reader_;
  std::unique_ptr<AVIOContext, IoContextFree> io_;
  std::unique_ptr<AVFormatContext, InputFree> demuxer_;
  std::unique_ptr<AVCodecContext, CodecContextFree> decoder_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
  std::unique_ptr<AVFrame, FrameFree> frame_;
  int stream_index_ = -1;
  bool draining_ = false;  // the end of the stream has been sent to the decoder
};

}  // namespace chorus::media::detail
