// ProbeAudio: demux and decode from memory, counting decoded samples.
#include "media/audio_probe.h"

#include "media/audio_encoder.h"

#include <algorithm>
#include <cstring>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
}

namespace chorus::media {
namespace {

constexpr int kIoBufferSize = 32 * 1024;
// Containers that can carry speech uploads (OpenAI accepts mp3, mp4/m4a, ogg, wav, webm, flac). A
// whitelist, because some demuxers open other files themselves (concat, HLS, image sequences) and do
// not all route that through io_open; these do not.
constexpr const char* kAllowedContainers = "aac,flac,matroska,mov,mp3,ogg,wav";

Error FfmpegError(ErrorCode code, int averror, std::string_view what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof text);
  return MakeError(code, "audio: " + std::string(what) + ": " + text);
}

struct IoContextFree {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);  // may no longer be the buffer we allocated: AVIO can replace it
    avio_context_free(&io);
  }
};
struct InputFree {  // the AVIOContext is owned separately (AVFMT_FLAG_CUSTOM_IO)
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using IoPtr = std::unique_ptr<AVIOContext, IoContextFree>;
using InputPtr = std::unique_ptr<AVFormatContext, InputFree>;
using DecoderPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;

// The read cursor the AVIOContext callbacks move over the caller's bytes.
struct MemoryReader {
  std::string_view bytes;
  size_t position = 0;
};

int ReadPacket(void* opaque, uint8_t* buffer, int size) {
  auto* reader = static_cast<MemoryReader*>(opaque);
  const size_t left = reader->bytes.size() - reader->position;
  if (left == 0) return AVERROR_EOF;
  const size_t count = std::min(left, static_cast<size_t>(size));
  std::memcpy(buffer, reader->bytes.data() + reader->position, count);
  reader->position += count;
  return static_cast<int>(count);
}

int64_t Seek(void* opaque, int64_t offset, int whence) {
  auto* reader = static_cast<MemoryReader*>(opaque);
  const auto size = static_cast<int64_t>(reader->bytes.size());
  if ((whence & AVSEEK_SIZE) != 0) return size;
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = static_cast<int64_t>(reader->position);
      break;
    case SEEK_END:
      base = size;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (offset > size - base || offset < -base) return AVERROR(EINVAL);
  reader->position = static_cast<size_t>(base + offset);
  return base + offset;
}

// A demuxer that asks to open another resource (a playlist entry, a reference) gets this instead.
int RefuseNestedOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

Result<IoPtr> MakeReader(MemoryReader& reader) {
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "reader");
  IoPtr io(avio_alloc_context(buffer, kIoBufferSize, /*write_flag=*/0, &reader, &ReadPacket, nullptr, &Seek));
  if (!io) {
    av_free(buffer);
    return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "reader");
  }
  return io;
}

Result<InputPtr> OpenInput(AVIOContext* io) {
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "demuxer");
  raw->pb = io;
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->io_open = &RefuseNestedOpen;
  raw->format_whitelist = av_strdup(kAllowedContainers);  // freed with the context
  // On failure avformat_open_input frees the context itself (but not our AVIOContext).
  if (avformat_open_input(&raw, nullptr, nullptr, nullptr) < 0) {
    return Unexpected(ErrorCode::kUnsupportedMedia, "audio: unrecognised or unsupported format");
  }
  InputPtr input(raw);
  if (int rc = avformat_find_stream_info(input.get(), nullptr); rc < 0) {
    return FfmpegError(ErrorCode::kInvalidArgument, rc, "unreadable audio");
  }
  return input;
}

Result<DecoderPtr> OpenDecoder(const AVStream& stream) {
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (codec == nullptr) {
    return Unexpected(ErrorCode::kUnsupportedMedia,
                      std::string("audio: no decoder for codec ") + avcodec_get_name(stream.codecpar->codec_id));
  }
  DecoderPtr decoder(avcodec_alloc_context3(codec));
  if (!decoder) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "decoder");
  if (int rc = avcodec_parameters_to_context(decoder.get(), stream.codecpar); rc < 0) {
    return FfmpegError(ErrorCode::kInternal, rc, "decoder parameters");
  }
  decoder->pkt_timebase = stream.time_base;
  if (int rc = avcodec_open2(decoder.get(), codec, nullptr); rc < 0) {
    return FfmpegError(ErrorCode::kUnsupportedMedia, rc, "opening the decoder");
  }
  return decoder;
}

// Decodes the packets it is fed (nullptr: drains the decoder) and adds up the decoded duration.
class DurationCounter {
 public:
  explicit DurationCounter(AVCodecContext& decoder) : decoder_(decoder) {}

  Status Feed(const AVPacket* packet) {
    const int sent = avcodec_send_packet(&decoder_, packet);
    if (sent == AVERROR_INVALIDDATA) return Ok();  // a damaged packet: skip it, as players do
    if (sent < 0 && sent != AVERROR_EOF) {
      return FfmpegError(ErrorCode::kInvalidArgument, sent, "decoding");
    }
    while (true) {
      const int rc = avcodec_receive_frame(&decoder_, frame_.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Ok();
      if (rc == AVERROR_INVALIDDATA) continue;
      if (rc < 0) return FfmpegError(ErrorCode::kInvalidArgument, rc, "decoding");
      if (frame_->sample_rate > 0) {
        seconds_ += static_cast<double>(frame_->nb_samples) / frame_->sample_rate;
        samples_ += frame_->nb_samples;
      }
      av_frame_unref(frame_.get());
    }
  }

  double seconds() const { return seconds_; }
  int64_t samples() const { return samples_; }

 private:
  AVCodecContext& decoder_;
  std::unique_ptr<AVFrame, FrameFree> frame_{av_frame_alloc()};
  double seconds_ = 0;
  int64_t samples_ = 0;
};

Status DecodeAll(AVFormatContext& input, int stream_index, DurationCounter& counter) {
  std::unique_ptr<AVPacket, PacketFree> packet(av_packet_alloc());
  if (!packet) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "packet");
  while (true) {
    const int rc = av_read_frame(&input, packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) return FfmpegError(ErrorCode::kInvalidArgument, rc, "reading audio");
    Status fed = packet->stream_index == stream_index ? counter.Feed(packet.get()) : Ok();
    av_packet_unref(packet.get());
    CHORUS_TRY(fed);
  }
  return counter.Feed(nullptr);
}

}  // namespace

Result<AudioInfo> ProbeAudio(std::string_view bytes) {
  QuietLibraryLogs();
  if (bytes.empty()) return Unexpected(ErrorCode::kInvalidArgument, "audio: no data");
  MemoryReader reader{bytes};
  CHORUS_ASSIGN_OR_RETURN(IoPtr io, MakeReader(reader));
  CHORUS_ASSIGN_OR_RETURN(InputPtr input, OpenInput(io.get()));
  const int index = av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (index < 0) return FfmpegError(ErrorCode::kUnsupportedMedia, index, "no audio stream");
  const AVStream& stream = *input->streams[index];
  CHORUS_ASSIGN_OR_RETURN(DecoderPtr decoder, OpenDecoder(stream));
  DurationCounter counter(*decoder);
  CHORUS_TRY(DecodeAll(*input, index, counter));
  if (counter.samples() == 0) {
    return Unexpected(ErrorCode::kInvalidArgument, "audio: no samples could be decoded");
  }
  return AudioInfo{
      .format_name = input->iformat->name,
      .codec = avcodec_get_name(stream.codecpar->codec_id),
      .sample_rate = decoder->sample_rate,
      .channels = decoder->ch_layout.nb_channels,
      .duration_seconds = counter.seconds(),
  };
}

}  // namespace chorus::media
