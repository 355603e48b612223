// `chorus speak` and `chorus voices`: text-to-speech offline, with the same engine, voices, formats
// and timings as /v1/audio/speech, and no server or database.
#pragma once

#include <string>

namespace chorus::app {

struct SpeakOptions {
  std::string text;
  std::string output;      // the audio file; its extension picks the format unless `format` is set
  std::string format;      // mp3 opus aac flac wav pcm
  std::string voice = "alloy";
  double speed = 1.0;
  std::string timestamps;  // a JSON file for character and word times, or empty
};

// Exit codes: 0, 2 for bad arguments, 1 when synthesis fails.
int Speak(const SpeakOptions& options);
int Voices();

}  // namespace chorus::app
