// `chorus transcribe FILE...`: speech-to-text offline, with the same decoder, engine and output
// formats as /v1/audio/transcriptions, and no server or database. On a terminal it draws a progress
// bar on standard error (share of the audio decoded, elapsed time, estimate); piped, it prints the
// transcripts alone.
#pragma once

#include <string>
#include <vector>

namespace chorus::app {

struct TranscribeCliOptions {
  std::vector<std::string> files;
  std::string format = "txt";  // txt|text, json, verbose_json, srt, vtt
  std::string model;           // pocketsphinx-en-us (default) or whisper-1
  std::string language;
  bool raw = false;  // the files are headerless 16 kHz mono s16le PCM (as pocketsphinx_continuous takes)
  double max_seconds = 4 * 3600;
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
};

// Exit codes: 0; 2 for bad arguments; 1 when a file cannot be transcribed (the others still are).
int Transcribe(const TranscribeCliOptions& options);

}  // namespace chorus::app
