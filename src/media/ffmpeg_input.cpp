// AudioInput: untrusted bytes -> read-only AVIOContext -> probed, whitelisted demuxer -> decoder.
#include "media/ffmpeg_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "media/audio_encoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avstring.h>
}

namespace chorus::media {
namespace detail {
namespace {

constexpr int kIoBufferSize = 32 * 1024;
// Containers that can carry speech uploads (OpenAI accepts mp3, mp4/m4a, ogg, wav, webm, flac). A
// whitelist, because some demuxers open other files themselves (concat, HLS, image sequences) and do
// not all route that through io_open; these do not. FFmpeg matches each comma-separated part of a
// demuxer's name, so "mov" admits "mov,mp4,m4a,3gp,3g2,mj2" and "matroska" admits "matroska,webm".
constexpr const char* kAllowedContainers = "aac,flac,matroska,mov,mp3,ogg,wav";
constexpr const char* kUnrecognised =
    "the file is not audio in a supported format (mp3, mp4, m4a, ogg, opus, webm, wav, flac, aac)";
// Decoding errors in a row without new input: a decoder that keeps failing without consuming
// anything would otherwise spin forever.
constexpr int kMaxErrorsWithoutInput = 64;
// FFmpeg refuses any single allocation above this. Its default, INT_MAX, lets a few bytes of hostile
// header (an mp4 sample table claiming hundreds of millions of entries) ask for 2 GiB; no audio within
// the duration limit needs a fraction of this in one piece (a 4-hour mp4's sample index is ~16 MiB).
constexpr size_t kMaxSingleAllocation = 256 << 20;

// A demuxer that asks to open another resource (a playlist entry, a reference) gets this instead.
int RefuseNestedOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

// Process-wide FFmpeg settings, made once before the first input is opened.
void PrepareLibrary() {
  QuietLibraryLogs();
  static std::once_flag once;
  std::call_once(once, [] { av_max_alloc(kMaxSingleAllocation); });
}

bool IsEmpty(const AudioSource& source) { return source.path.empty() ? source.bytes.empty() : source.length == 0; }

}  // namespace

// The AVIOContext's callbacks over an AudioSource: memcpy from memory, or pread from the file at
// offset + position, so the file's own offset is never moved and nothing outside the range is read.
class SourceReader {
 public:
  static Result<std::unique_ptr<SourceReader>> Open(const AudioSource& source);
  SourceReader(const SourceReader&) = delete;
  SourceReader& operator=(const SourceReader&) = delete;
  ~SourceReader() {
    if (fd_ >= 0) ::close(fd_);
  }

  static int ReadPacket(void* opaque, uint8_t* buffer, int size) {
    return static_cast<SourceReader*>(opaque)->Read(buffer, size);
  }
  static int64_t SeekPacket(void* opaque, int64_t offset, int whence) {
    return static_cast<SourceReader*>(opaque)->Seek(offset, whence);
  }

  // A read of the file failed (not: the data ended): the caller's file, not the audio, is at fault.
  bool failed() const { return failed_; }

 private:
  SourceReader() = default;
  int Read(uint8_t* buffer, int size);
  int64_t Seek(int64_t offset, int whence);

  std::string_view memory_;  // when fd_ < 0
  int fd_ = -1;
  uint64_t file_offset_ = 0;
  int64_t size_ = 0;
  int64_t position_ = 0;
  bool failed_ = false;
};

Result<std::unique_ptr<SourceReader>> SourceReader::Open(const AudioSource& source) {
  std::unique_ptr<SourceReader> reader(new SourceReader());
  if (source.path.empty()) {
    reader->memory_ = source.bytes;
    reader->size_ = static_cast<int64_t>(source.bytes.size());
    return reader;
  }
  reader->fd_ = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader->fd_ < 0) return MakeError(ErrorCode::kInternal, "audio: cannot open the uploaded file");
  struct stat st {};
  if (::fstat(reader->fd_, &st) != 0) return MakeError(ErrorCode::kInternal, "audio: cannot read the uploaded file");
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (source.offset > file_size || source.length > file_size - source.offset) {
    return MakeError(ErrorCode::kInternal, "audio: the byte range lies outside the uploaded file");
  }
  reader->file_offset_ = source.offset;
  reader->size_ = static_cast<int64_t>(source.length);
  return reader;
}

int SourceReader::Read(uint8_t* buffer, int size) {
  const int64_t left = size_ - position_;
  if (left <= 0 || size <= 0) return AVERROR_EOF;
  auto count = static_cast<size_t>(std::min<int64_t>(left, size));
  if (fd_ < 0) {
    std::memcpy(buffer, memory_.data() + position_, count);
  } else {
    ssize_t got = 0;
    do {
      got = ::pread(fd_, buffer, count, static_cast<off_t>(file_offset_ + static_cast<uint64_t>(position_)));
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
      failed_ = true;
      return AVERROR(errno);
    }
    if (got == 0) return AVERROR_EOF;  // the file shrank since Open: decode what was there
    count = static_cast<size_t>(got);
  }
  position_ += static_cast<int64_t>(count);
  return static_cast<int>(count);
}

int64_t SourceReader::Seek(int64_t offset, int whence) {
  if ((whence & AVSEEK_SIZE) != 0) return size_;
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      base = 0;
      break;
    case SEEK_CUR:
      base = position_;
      break;
    case SEEK_END:
      base = size_;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (offset > size_ - base || offset < -base) return AVERROR(EINVAL);
  position_ = base + offset;
  return position_;
}

namespace {

Result<std::unique_ptr<AVIOContext, IoContextFree>> MakeIo(SourceReader& reader) {
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
  if (buffer == nullptr) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "audio reader");
  std::unique_ptr<AVIOContext, IoContextFree> io(avio_alloc_context(
      buffer, kIoBufferSize, /*write_flag=*/0, &reader, &SourceReader::ReadPacket, nullptr, &SourceReader::SeekPacket));
  if (!io) {
    av_free(buffer);
    return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "audio reader");
  }
  return io;
}

}  // namespace

Error InputError(ErrorCode code, std::string message) { return MakeError(code, std::move(message), kFileParam); }

Error FfmpegError(ErrorCode code, int averror, std::string_view what) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof text);
  std::string message = std::string(what) + ": " + text;
  if (code == ErrorCode::kInternal) return MakeError(code, "audio: " + message);
  return InputError(code, std::move(message));
}

void IoContextFree::operator()(AVIOContext* io) const {
  av_freep(&io->buffer);  // may no longer be the buffer we allocated: AVIO can replace it
  avio_context_free(&io);
}
void InputFree::operator()(AVFormatContext* f) const { avformat_close_input(&f); }
void CodecContextFree::operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
void PacketFree::operator()(AVPacket* p) const { av_packet_free(&p); }
void FrameFree::operator()(AVFrame* f) const { av_frame_free(&f); }

AudioInput::AudioInput() = default;
AudioInput::~AudioInput() = default;

Result<std::unique_ptr<AudioInput>> AudioInput::Open(const AudioSource& source) {
  PrepareLibrary();
  if (IsEmpty(source)) return InputError(ErrorCode::kInvalidArgument, "the audio file is empty");
  std::unique_ptr<AudioInput> input(new AudioInput());
  CHORUS_ASSIGN_OR_RETURN(input->reader_, SourceReader::Open(source));
  CHORUS_ASSIGN_OR_RETURN(input->io_, MakeIo(*input->reader_));
  CHORUS_TRY(input->OpenContainer());
  CHORUS_TRY(input->OpenStream());
  return input;
}

// Probes first and checks the whitelist itself, so that bytes which are no accepted container
// (kUnsupportedMedia) are told apart from an accepted container that fails to parse (kInvalidArgument).
// The demuxer's own whitelist is set as well, as a second lock.
Status AudioInput::OpenContainer() {
  const AVInputFormat* format = nullptr;
  if (av_probe_input_buffer2(io_.get(), &format, "", nullptr, 0, 0) < 0 || format == nullptr ||
      av_match_list(format->name, kAllowedContainers, ',') <= 0) {
    if (reader_->failed()) return ReadError("reading audio");
    return InputError(ErrorCode::kUnsupportedMedia, kUnrecognised);
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "demuxer");
  raw->pb = io_.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->io_open = &RefuseNestedOpen;
  raw->format_whitelist = av_strdup(kAllowedContainers);  // freed with the context
  // On failure avformat_open_input frees the context itself (but not our AVIOContext).
  if (avformat_open_input(&raw, nullptr, format, nullptr) < 0) {
    return ReadError("the audio file is damaged or truncated");
  }
  demuxer_.reset(raw);
  if (avformat_find_stream_info(demuxer_.get(), nullptr) < 0) {
    return ReadError("the audio file is damaged or truncated");
  }
  return Ok();
}

Status AudioInput::OpenStream() {
  const int index = av_find_best_stream(demuxer_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (index < 0) return InputError(ErrorCode::kUnsupportedMedia, "the file holds no audio stream");
  stream_index_ = index;
  for (unsigned i = 0; i < demuxer_->nb_streams; ++i) {
    if (static_cast<int>(i) != index) demuxer_->streams[i]->discard = AVDISCARD_ALL;  // video, covers
  }
  const AVStream& stream = *demuxer_->streams[index];
  const char* codec_name = avcodec_get_name(stream.codecpar->codec_id);
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (codec == nullptr) {
    return InputError(ErrorCode::kUnsupportedMedia, std::string("audio codec ") + codec_name + " is not supported");
  }
  decoder_.reset(avcodec_alloc_context3(codec));
  packet_.reset(av_packet_alloc());
  frame_.reset(av_frame_alloc());
  if (!decoder_ || !packet_ || !frame_) return FfmpegError(ErrorCode::kInternal, AVERROR(ENOMEM), "decoder");
  if (int rc = avcodec_parameters_to_context(decoder_.get(), stream.codecpar); rc < 0) {
    return FfmpegError(ErrorCode::kInternal, rc, "decoder parameters");
  }
  decoder_->pkt_timebase = stream.time_base;
  if (int rc = avcodec_open2(decoder_.get(), codec, nullptr); rc < 0) {
    return FfmpegError(ErrorCode::kUnsupportedMedia, rc, std::string("cannot decode this ") + codec_name + " audio");
  }
  return Ok();
}

Result<const AVFrame*> AudioInput::NextFrame() {
  int errors_without_input = 0;
  while (true) {
    av_frame_unref(frame_.get());
    const int rc = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (rc == 0) {
      if (frame_->nb_samples > 0) return frame_.get();
    } else if (rc == AVERROR_EOF) {
      return nullptr;
    } else if (rc == AVERROR(EAGAIN)) {
      CHORUS_TRY(FeedDecoder());
      errors_without_input = 0;
    } else if (++errors_without_input > kMaxErrorsWithoutInput) {
      return FfmpegError(ErrorCode::kInvalidArgument, rc, "the audio cannot be decoded");
    }
    // Any other decoding error: the damaged data is dropped and decoding goes on, as players do.
    // That includes ENOMEM, which FFmpeg reports when damaged data asks for an absurd allocation.
  }
}

// Sends the decoder the next packet of our stream, or the end of the stream once the demuxer has no
// more. Demuxing errors other than a failed file read also end the stream: a truncated or damaged
// tail is cut off, and whatever decoded before it stands. Packets the decoder rejects are skipped.
Status AudioInput::FeedDecoder() {
  if (draining_) return MakeError(ErrorCode::kInternal, "audio: the decoder asked for input after the end");
  while (true) {
    const int rc = av_read_frame(demuxer_.get(), packet_.get());
    if (rc < 0) {
      if (reader_->failed()) return ReadError("the audio file cannot be read");
      draining_ = true;
      const int sent = avcodec_send_packet(decoder_.get(), nullptr);
      if (sent < 0 && sent != AVERROR_EOF) return FfmpegError(ErrorCode::kInternal, sent, "draining the decoder");
      return Ok();
    }
    if (packet_->stream_index != stream_index_) {
      av_packet_unref(packet_.get());
      continue;
    }
    avcodec_send_packet(decoder_.get(), packet_.get());
    av_packet_unref(packet_.get());
    return Ok();
  }
}

// A failed read of the file is ours (kInternal); anything else is the data's fault. That includes
// ENOMEM: FFmpeg reports it when a damaged size field asks for more than kMaxSingleAllocation. FFmpeg's
// text ("Invalid data found when processing input") tells the caller nothing more than `what` does.
Error AudioInput::ReadError(std::string_view what) const {
  if (reader_->failed()) return MakeError(ErrorCode::kInternal, "audio: reading the uploaded file failed");
  return InputError(ErrorCode::kInvalidArgument, std::string(what));
}

std::string AudioInput::format_name() const { return demuxer_->iformat->name; }

std::string AudioInput::codec_name() const { return avcodec_get_name(decoder_->codec_id); }

int AudioInput::sample_rate() const { return decoder_->sample_rate; }

int AudioInput::channels() const { return decoder_->ch_layout.nb_channels; }

double AudioInput::declared_seconds() const {
  if (demuxer_->duration == AV_NOPTS_VALUE || demuxer_->duration <= 0) return 0;
  return static_cast<double>(demuxer_->duration) / AV_TIME_BASE;
}

}  // namespace detail
}  // namespace chorus::media
