// Decoding uploaded audio for speech-to-text: encoded audio in (mp3, mp4/m4a, ogg with Opus/Vorbis/
// FLAC, webm/matroska, wav, flac, ADTS aac), mono signed 16-bit PCM out at the rate the speech engine
// wants, pulled a chunk at a time. A decoder holds about one decoded frame at a time, so memory stays
// flat however long the audio is; a file is read with pread as the demuxer asks, never loaded whole.
//
// The input is untrusted. Its format is decided from the bytes alone (never a file name or a
// Content-Type), and only the containers above are accepted: playlists, concat scripts and the other
// demuxers that open further files or URLs are refused; FFmpeg reads through our read-only I/O
// callbacks, never a protocol, and a demuxer's request to open anything else is refused. Durations
// written in headers are never trusted: the length limit is enforced on decoded samples.
//
// Every error caused by the input carries param "file":
//   kInvalidArgument   empty; a recognised container whose header is damaged or truncated; no audio
//                      decodes at all; longer than DecodeOptions::max_seconds
//   kUnsupportedMedia  not recognised (text, raw headerless PCM), a container that is not accepted,
//                      no audio stream, a codec FFmpeg cannot decode
//   kInternal          (no param) the file cannot be opened or read, or FFmpeg fails unexpectedly
// Damaged packets inside otherwise readable audio are skipped, and a truncated file ends where its
// data does, as players do.
//
// Threading: a decoder is a single-threaded object; distinct decoders share nothing and may run on
// different threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::media {

// Where encoded audio comes from: bytes in memory, or a byte range of a file (an upload spooled to
// disk, possibly one part inside a stored multipart body).
struct AudioSource {
  // `bytes` is not copied: it must outlive every decoder opened on it.
  static AudioSource Memory(std::string_view bytes);
  // `length` bytes from `offset` of the file at `path`. The file is opened by AudioDecoder::Open and
  // read with pread; the range must lie inside the file.
  static AudioSource FileRange(std::string path, uint64_t offset, uint64_t length);

  std::string_view bytes;  // Memory only
  std::string path;        // FileRange only; empty for Memory
  uint64_t offset = 0;     // FileRange: where the audio starts in the file
  uint64_t length = 0;     // bytes of encoded audio
};

struct DecodeOptions {
  int sample_rate = 16000;          // of the PCM Read returns: 1,000..384,000 Hz
  double max_seconds = 4.0 * 3600;  // decoded audio beyond this fails with kInvalidArgument
};

// What was found in the input. Known once Open succeeds.
struct DecodedInfo {
  std::string format_name;     // FFmpeg's demuxer: "mp3", "ogg", "aac", "flac", "wav",
                               // "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
  std::string codec;           // FFmpeg's codec: "mp3", "opus", "aac", "flac", "pcm_s16le", ...
  int source_sample_rate = 0;  // as decoded (Opus always decodes at 48,000)
  int source_channels = 0;
  double declared_seconds = 0;  // the container's claim, 0 when it makes none. A hint for progress
                                // reports only: it is never trusted or enforced.
};

// Reads the first audio stream of a source, downmixed (the mean of its channels) and resampled with
// libswresample to mono s16 at DecodeOptions::sample_rate. Read has the shape of
// engines::PcmSource, so a speech engine pulls from it directly:
//   engines::PcmSource pcm = [&decoder](std::span<int16_t> out) { return decoder->Read(out); };
class AudioDecoder {
 public:
  // Opens the source, recognises its container and decodes up to the first audio, so input that
  // holds no decodable audio fails here rather than on the first Read. Errors: see the top of this
  // file; kInvalidArgument without param when `options` are out of range.
  static Result<std::unique_ptr<AudioDecoder>> Open(AudioSource source, const DecodeOptions& options = {});

  AudioDecoder() = default;
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;
  virtual ~AudioDecoder() = default;

  // Fills `out` with as many samples as it can and returns how many; 0 means the end of the audio
  // (the resampler has been flushed, nothing is lost). Samples decoded before a failure are returned
  // first; the failure comes from the next call and from every call after it. Errors: kInvalidArgument
  // (param "file") once the decoded audio passes max_seconds or the input fails to decode; kInternal
  // when the file cannot be read or FFmpeg fails.
  virtual Result<size_t> Read(std::span<int16_t> out) = 0;

  virtual const DecodedInfo& info() const = 0;

  // Seconds of PCM Read has returned so far.
  virtual double seconds_decoded() const = 0;
};

}  // namespace chorus::media
