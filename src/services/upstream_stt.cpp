#include "services/upstream_stt.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cmath>

#include "base/ids.h"
#include "media/audio_encoder.h"
#include "services/provider_error.h"

namespace chorus::services {
namespace {

namespace json = boost::json;

constexpr size_t kReadSamples = engines::kSttSampleRate;  // a second at a time

double Number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0;
}
std::string Text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// OpenAI answers with the language's English name ("english"); transcripts carry a code.
std::string LanguageCode(std::string language) {
  static constexpr std::pair<std::string_view, std::string_view> kCodes[] = {
      {"english", "en"}, {"german", "de"},  {"french", "fr"},  {"spanish", "es"},
      {"italian", "it"}, {"russian", "ru"}, {"chinese", "zh"}, {"dutch", "nl"},
  };
  for (const auto& [name, code] : kCodes) {
    if (language == name) return std::string(code);
  }
  return language;
}

// One multipart/form-data body, built by hand (the client sends a string body).
class FormBody {
 public:
  FormBody() : boundary_("chorus-" + NewRequestId()) {}
  void Field(std::string_view name, std::string_view value) {
    body_ += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n", boundary_, name, value);
  }
  void File(std::string_view name, std::string_view filename, std::string_view type, std::string_view bytes) {
    body_ += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                         boundary_, name, filename, type);
    body_.append(bytes);
    body_ += "\r\n";
  }
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
  std::string Finish() { return std::move(body_) + "--" + boundary_ + "--\r\n"; }

 private:
  std::string boundary_;
  std::string body_;
};


}  // namespace

UpstreamSttEngine::UpstreamSttEngine(const http::client::Client& client, UpstreamSttTarget target,
                                     size_t max_upload_bytes)
    : client_(client), target_(std::move(target)), max_upload_bytes_(max_upload_bytes) {}

Result<std::string> UpstreamSttEngine::EncodeAll(const engines::PcmSource& source, const engines::ProgressSink& progress,
                                                 double& seconds) {
  CHORUS_ASSIGN_OR_RETURN(auto encoder, media::AudioEncoder::Make(media::AudioFormat::kFlac, engines::kSttSampleRate));
  std::string flac;
  std::vector<int16_t> pcm(kReadSamples);
  size_t samples = 0;
  while (true) {
    CHORUS_ASSIGN_OR_RETURN(size_t n, source(pcm));
    if (n == 0) break;
    samples += n;
    CHORUS_TRY(encoder->Write(std::span<const int16_t>(pcm.data(), n), flac));
    if (flac.size() > max_upload_bytes_) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        fmt::format("The audio is too long for the model {} (at most {} MB of FLAC).", target_.model,
                                    max_upload_bytes_ >> 20),
                        "file");
    }
    seconds = static_cast<double>(samples) / engines::kSttSampleRate;
    if (progress && !progress(seconds)) return Unexpected(ErrorCode::kCancelled, "The transcription was cancelled.");
  }
  CHORUS_TRY(encoder->Finish(flac));
  return flac;
}

Result<engines::Transcript> UpstreamSttEngine::Transcribe(const engines::PcmSource& source,
                                                          const engines::RecognitionSettings& settings,
                                                          const engines::ProgressSink& progress) {
  double seconds = 0;
  CHORUS_ASSIGN_OR_RETURN(std::string flac, EncodeAll(source, progress, seconds));
  FormBody form;
  form.File("file", "audio.flac", "audio/flac", flac);
  form.Field("model", target_.model);
  form.Field("response_format", "verbose_json");
  form.Field("timestamp_granularities[]", "segment");
  form.Field("timestamp_granularities[]", "word");
  if (!settings.language.empty()) form.Field("language", settings.language.substr(0, settings.language.find('-')));
  if (!settings.prompt.empty()) form.Field("prompt", settings.prompt);

  http::client::OutboundRequest request{.method = "POST", .url = target_.base_url + "/audio/transcriptions"};
  request.headers.emplace_back("Content-Type", form.content_type());
  if (!target_.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + target_.api_key);
  request.body = form.Finish();
  CHORUS_ASSIGN_OR_RETURN(http::client::OutboundResponse response, client_.Send(request));
  if (response.status < 200 || response.status > 299) {
    return Unexpected(ProviderHttpError(target_.provider, response.status, response.body));
  }
  return ParseVerboseTranscript(response.body, seconds);
}

Result<engines::Transcript> ParseVerboseTranscript(std::string_view body, double audio_seconds) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return Unexpected(ErrorCode::kUpstream, "The provider's transcript is not JSON.");
  const json::object& o = parsed.as_object();
  engines::Transcript t{.text = Text(o, "text"),
                        .language = LanguageCode(Text(o, "language")),
                        .duration = o.contains("duration") ? Number(o, "duration") : audio_seconds};
  if (const json::value* segments = o.if_contains("segments"); segments != nullptr && segments->is_array()) {
    for (const auto& item : segments->get_array()) {
      if (!item.is_object()) continue;
      const json::object& s = item.as_object();
      const double logprob = Number(s, "avg_logprob");
      t.segments.push_back({.start = Number(s, "start"),
                            .end = Number(s, "end"),
                            .text = Text(s, "text"),
                            .confidence = s.contains("avg_logprob") ? std::clamp(std::exp(logprob), 0.0, 1.0) : 0});
    }
  }
  if (t.segments.empty() && !t.text.empty()) t.segments.push_back({.start = 0, .end = t.duration, .text = t.text});
  if (const json::value* words = o.if_contains("words"); words != nullptr && words->is_array()) {
    for (const auto& item : words->get_array()) {
      if (!item.is_object()) continue;
      const json::object& w = item.as_object();
      engines::RecognizedWord word{.word = Text(w, "word"), .start = Number(w, "start"), .end = Number(w, "end")};
      for (auto& segment : t.segments) {
        if (word.start >= segment.start - 1e-3 && word.start < segment.end + 1e-3) {
          word.confidence = segment.confidence;
          segment.words.push_back(std::move(word));
          break;
        }
      }
    }
  }
  // Segment texts from OpenAI start with a space.
  for (auto& segment : t.segments) {
    while (!segment.text.empty() && segment.text.front() == ' ') segment.text.erase(0, 1);
  }
  double weighted = 0, total = 0;
  for (const auto& s : t.segments) {
    weighted += s.confidence * (s.end - s.start);
    total += s.end - s.start;
  }
  t.confidence = total > 0 ? weighted / total : 0;
  return t;
}

}  // namespace chorus::services
