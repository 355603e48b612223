// A transcript in each of OpenAI's response_format values (json, text, srt, vtt, verbose_json), and
// stored as JSON in a transcription's metadata so that it can be rendered again later. Pure
// functions: the routes and `chorus transcribe` share them.
#pragma once

#include <boost/json/object.hpp>

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

// The segments and words as stored in metadata ("segments": [{start, end, text, confidence,
// words: [[word, start, end, confidence], ...]}]) and read back. Reading tolerates a missing or
// malformed value (an empty transcript keeps its text).
boost::json::array SegmentsJson(const engines::Transcript& transcript);
engines::Transcript TranscriptFromStored(std::string text, std::string language, double duration,
                                         const boost::json::value& segments);

}  // namespace chorus::api
