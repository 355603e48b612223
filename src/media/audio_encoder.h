// Streaming audio encoding for speech output: mono 16-bit PCM in, one of OpenAI's response_format
// containers out, produced incrementally so an HTTP response can send the bytes while synthesis is
// still running. FFmpeg stays behind this header (see audio_encoder.cpp).
//
// What each format produces (all mono):
//   mp3   MPEG audio frames from libmp3lame, 64 kbit/s, no ID3 tag and no Xing frame: a bare frame
//         stream, playable from any byte that starts a frame.
//   opus  Opus (libopus, 32 kbit/s, VoIP tuning) in Ogg; a page is flushed every ~100 ms of audio.
//   aac   AAC-LC from FFmpeg's native encoder, 64 kbit/s, in ADTS (every frame carries its header).
//   flac  FLAC in its native container. STREAMINFO cannot be patched while streaming, so it says
//         "total samples unknown" and carries no MD5; decoders accept that.
//   wav   16-bit PCM at the input rate. The 44-byte header carries 0xFFFFFFFF as RIFF and data sizes
//         ("unknown length"), the convention of streaming WAV (FFmpeg's wav muxer writes exactly this
//         on a non-seekable output and never patches it); readers take the data to end of stream.
//   pcm   raw signed 16-bit little-endian samples at 24 kHz, no header (OpenAI's "pcm").
// Sample rates: pcm is always 24 kHz; otherwise the input rate when the encoder supports it, else the
// smallest supported rate above it (Opus: 24 kHz for 22,050 Hz input; decoders play Opus at 48 kHz).
//
// Threading: an encoder is a single-threaded object; distinct encoders are independent and may run on
// different threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::media {

// OpenAI's response_format values.
enum class AudioFormat { kMp3, kOpus, kAac, kFlac, kWav, kPcm };

// "mp3", "opus", "aac", "flac", "wav", "pcm" (exact, lowercase, as OpenAI accepts them). Anything
// else: kInvalidArgument with param "response_format".
Result<AudioFormat> ParseAudioFormat(std::string_view name);

// The Content-Type of a response in this format: audio/mpeg, audio/ogg, audio/aac, audio/flac,
// audio/wav, audio/pcm.
std::string_view ContentType(AudioFormat format);

// File extension without the dot; also the format's response_format name ("mp3", "opus", ...).
std::string_view Extension(AudioFormat format);

class AudioEncoder {
 public:
  // Prepares an encoder for mono signed 16-bit PCM at `input_rate` Hz. Errors: kInvalidArgument when
  // input_rate is outside 1,000..384,000 Hz; kInternal when FFmpeg lacks the encoder or fails to set
  // up (a broken installation, not a caller mistake).
  static Result<std::unique_ptr<AudioEncoder>> Make(AudioFormat format, int input_rate);

  AudioEncoder() = default;
  AudioEncoder(const AudioEncoder&) = delete;
  AudioEncoder& operator=(const AudioEncoder&) = delete;
  virtual ~AudioEncoder() = default;

  // Consumes `samples` and appends to `out` whatever container bytes are complete: the header on the
  // first call, then encoded frames as the encoder releases them. May append nothing when the samples
  // do not yet fill a frame (or an Ogg page). Errors: kFailedPrecondition after Finish or after an
  // earlier failure; kInternal when FFmpeg fails (the encoder is then unusable).
  virtual Status Write(std::span<const int16_t> samples, std::string& out) = 0;

  // Encodes what is still buffered (the last partial frame is padded or sent short as the encoder
  // allows), drains the encoder's delay and appends the rest of the stream and the container
  // trailer to `out`. Call once; afterwards every call fails with kFailedPrecondition.
  virtual Status Finish(std::string& out) = 0;

  // The sample rate of the encoded stream (24,000 for pcm).
  virtual int output_rate() const = 0;
};

// Sets FFmpeg's process-wide log level to fatal messages only (once). Called by Make and whenever
// encoded input is opened (ProbeAudio, AudioDecoder::Open).
void QuietLibraryLogs();

}  // namespace chorus::media
