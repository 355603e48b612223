// ProbeAudio: open through the shared AudioInput (same whitelist and I/O rules as AudioDecoder) and
// count decoded samples at the source rate, without resampling.
#include "media/audio_probe.h"

#include "media/ffmpeg_input.h"

extern "C" {
#include <libavutil/frame.h>
}

namespace chorus::media {

Result<AudioInfo> ProbeAudio(std::string_view bytes) {
  CHORUS_ASSIGN_OR_RETURN(std::unique_ptr<detail::AudioInput> input,
                          detail::AudioInput::Open(AudioSource::Memory(bytes)));
  double seconds = 0;
  while (true) {
    CHORUS_ASSIGN_OR_RETURN(const AVFrame* frame, input->NextFrame());
    if (frame == nullptr) break;
    if (frame->sample_rate > 0) seconds += static_cast<double>(frame->nb_samples) / frame->sample_rate;
  }
  if (seconds == 0) return detail::InputError(ErrorCode::kInvalidArgument, "no audio could be decoded from the file");
  return AudioInfo{
      .format_name = input->format_name(),
      .codec = input->codec_name(),
      .sample_rate = input->sample_rate(),
      .channels = input->channels(),
      .duration_seconds = seconds,
  };
}

}  // namespace chorus::media
