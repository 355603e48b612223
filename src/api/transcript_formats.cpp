#include "api/transcript_formats.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace chorus::api {
namespace {

namespace json = boost::json;

// Cue time split into fields; negative input counts as zero.
std::string CueTime(double seconds, char separator) {
  const auto ms = static_cast<int64_t>(std::llround(std::max(0.0, seconds) * 1000));
  return fmt::format("{:02}:{:02}:{:02}{}{:03}", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, separator, ms % 1000);
}

// Cue text never holds a blank line (it would end the cue) or, in WebVTT, the "-->" arrow.
std::string CueText(std::string_view text, bool vtt) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (vtt && text.substr(i, 3) == "-->") {
      out += "->";
      i += 2;
    } else {
      out += (text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
    }
  }
  return out;
}

std::string Srt(const engines::Transcript& t) {
  std::string out;
  int index = 0;
  for (const auto& s : t.segments) {
    out += fmt::format("{}\n{} --> {}\n{}\n\n", ++index, SrtTime(s.start), SrtTime(s.end), CueText(s.text, false));
  }
  return out;
}

std::string Vtt(const engines::Transcript& t) {
  std::string out = "WEBVTT\n\n";
  for (const auto& s : t.segments) {
    out += fmt::format("{} --> {}\n{}\n\n", VttTime(s.start), VttTime(s.end), CueText(s.text, true));
  }
  return out;
}

double Rounded(double seconds) { return std::round(seconds * 1000) / 1000; }

json::object VerboseJson(const engines::Transcript& t, Granularities g) {
  json::object out{{"task", "transcribe"},
                   {"language", LanguageName(t.language)},
                   {"duration", Rounded(t.duration)},
                   {"text", t.text}};
  if (g.segments) {
    json::array segments;
    int64_t id = 0;
    for (const auto& s : t.segments) {
      segments.push_back(json::object{
          {"id", id++},
          {"seek", static_cast<int64_t>(std::llround(s.start * 100))},
          {"start", Rounded(s.start)},
          {"end", Rounded(s.end)},
          {"text", s.text},
          {"tokens", json::array()},
          {"temperature", 0.0},
          {"avg_logprob", s.confidence > 0 ? std::log(s.confidence) : -10.0},
      });
    }
    out["segments"] = std::move(segments);
  }
  if (g.words) {
    json::array words;
    for (const auto& s : t.segments) {
      for (const auto& w : s.words) {
        words.push_back(json::object{{"word", w.word}, {"start", Rounded(w.start)}, {"end", Rounded(w.end)}});
      }
    }
    out["words"] = std::move(words);
  }
  return out;
}

}  // namespace

Result<TranscriptFormat> ParseTranscriptFormat(std::string_view name, std::string_view param) {
  if (name == "json") return TranscriptFormat::kJson;
  if (name == "text" || name == "txt") return TranscriptFormat::kText;
  if (name == "srt") return TranscriptFormat::kSrt;
  if (name == "vtt") return TranscriptFormat::kVtt;
  if (name == "verbose_json") return TranscriptFormat::kVerboseJson;
  return Unexpected(ErrorCode::kInvalidArgument,
                    fmt::format("'{}' must be one of json, text, srt, verbose_json, vtt.", param), std::string(param));
}

TranscriptRendering RenderTranscript(const engines::Transcript& transcript, TranscriptFormat format,
                                     Granularities granularities) {
  switch (format) {
    case TranscriptFormat::kJson:
      return {json::serialize(json::object{{"text", transcript.text}}), "application/json"};
    case TranscriptFormat::kText:
      return {transcript.text + "\n", "text/plain; charset=utf-8"};
    case TranscriptFormat::kSrt:
      return {Srt(transcript), "application/x-subrip; charset=utf-8"};
    case TranscriptFormat::kVtt:
      return {Vtt(transcript), "text/vtt; charset=utf-8"};
    case TranscriptFormat::kVerboseJson:
      return {json::serialize(VerboseJson(transcript, granularities)), "application/json"};
  }
  return {};
}

std::string SrtTime(double seconds) { return CueTime(seconds, ','); }
std::string VttTime(double seconds) { return CueTime(seconds, '.'); }

std::string LanguageName(std::string_view code) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"en", "english"}, {"de", "german"},  {"fr", "french"}, {"es", "spanish"},
      {"it", "italian"}, {"ru", "russian"}, {"zh", "chinese"}, {"nl", "dutch"},
  };
  const std::string_view base = code.substr(0, code.find('-'));
  for (const auto& [c, name] : kNames) {
    if (c == base) return std::string(name);
  }
  return std::string(code);
}

}  // namespace chorus::api
