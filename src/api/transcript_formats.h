// A transcript in each of OpenAI's response_format values (json, text, srt, vtt, verbose_json). Pure
// functions: the routes and `chorus transcribe` share them.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "engines/stt_engine.h"

namespace chorus::api {

enum class TranscriptFormat { kJson, kText, kSrt, kVtt, kVerboseJson };

// "json", "text", "srt", "vtt", "verbose_json"; also "txt" for text (the native API's ?format=).
// kInvalidArgument with param `param` for anything else.
Result<TranscriptFormat> ParseTranscriptFormat(std::string_view name, std::string_view param = "response_format");

struct TranscriptRendering {
  std::string body;
  std::string content_type;
};

// What verbose_json includes beside the text (OpenAI: segments unless only words were asked for).
struct Granularities {
  bool segments = true;
  bool words = false;
};

TranscriptRendering RenderTranscript(const engines::Transcript& transcript, TranscriptFormat format,
                                     Granularities granularities = {});

// SubRip and WebVTT cue times: "00:01:02,345" and "00:01:02.345".
std::string SrtTime(double seconds);
std::string VttTime(double seconds);

// The language's English name in lower case as OpenAI reports it ("en" -> "english"); the code
// itself when it is not known.
std::string LanguageName(std::string_view code);

}  // namespace chorus::api
