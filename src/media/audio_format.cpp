// The parts of media/ that need no FFmpeg: format names and content types, and audio sources. They
// stay in the binary; the encoders and decoders live in the speech module (see native/).
#include "media/audio_decoder.h"
#include "media/audio_encoder.h"

namespace chorus::media {
namespace {

struct FormatName {
  AudioFormat format;
  std::string_view name;  // response_format value and file extension
  std::string_view content_type;
};

constexpr FormatName kNames[] = {
    {AudioFormat::kMp3, "mp3", "audio/mpeg"}, {AudioFormat::kOpus, "opus", "audio/ogg"},
    {AudioFormat::kAac, "aac", "audio/aac"},  {AudioFormat::kFlac, "flac", "audio/flac"},
    {AudioFormat::kWav, "wav", "audio/wav"},  {AudioFormat::kPcm, "pcm", "audio/pcm"},
};

const FormatName& NameOf(AudioFormat format) {
  for (const FormatName& n : kNames) {
    if (n.format == format) return n;
  }
  return kNames[std::size(kNames) - 1];  // unreachable: every enumerator is listed
}

}  // namespace

Result<AudioFormat> ParseAudioFormat(std::string_view name) {
  for (const FormatName& n : kNames) {
    if (name == n.name) return n.format;
  }
  return Unexpected(ErrorCode::kInvalidArgument, "response_format must be one of mp3, opus, aac, flac, wav, pcm",
                    "response_format");
}

std::string_view ContentType(AudioFormat format) { return NameOf(format).content_type; }

std::string_view Extension(AudioFormat format) { return NameOf(format).name; }

AudioSource AudioSource::Memory(std::string_view bytes) {
  AudioSource source;
  source.bytes = bytes;
  source.length = bytes.size();
  return source;
}

AudioSource AudioSource::FileRange(std::string path, uint64_t offset, uint64_t length) {
  AudioSource source;
  source.path = std::move(path);
  source.offset = offset;
  source.length = length;
  return source;
}

}  // namespace chorus::media
