// Inspecting encoded audio held in memory: which container and codec it is, and how long it really
// plays. Used by the encoder's tests and, later, to validate uploads before speech-to-text.
//
// The bytes are demuxed and decoded from memory through a read-only AVIOContext: no files are touched
// and no protocol or nested input is ever opened. Only these containers are accepted: mp3, ogg, ADTS
// aac, flac, wav, mov/mp4/m4a and matroska/webm; playlists, concat lists and the like are refused,
// so untrusted uploads are safe to probe. Thread-safe: calls share no state.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::media {

struct AudioInfo {
  std::string format_name;  // FFmpeg's demuxer name: "mp3", "ogg", "aac" (ADTS), "flac", "wav",
                            // "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
  std::string codec;        // FFmpeg's codec name: "mp3", "opus", "aac", "flac", "pcm_s16le"
  int sample_rate = 0;      // of the decoded samples (Opus always decodes at 48,000)
  int channels = 0;
  double duration_seconds = 0;  // decoded samples / sample rate; never the header's claim
};

// Decodes all of `bytes` (the first audio stream) and reports what it found. Headerless data such as
// raw PCM is not recognised. Errors: kInvalidArgument when `bytes` is empty, unreadable or no sample
// decodes; kUnsupportedMedia when the container or codec is not recognised or holds no audio.
// Packets that fail to decode are skipped, as players do, as long as some audio decodes.
Result<AudioInfo> ProbeAudio(std::string_view bytes);

}  // namespace chorus::media
