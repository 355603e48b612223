#include "services/upstream_tts.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cstring>

#include "services/provider_error.h"

namespace chorus::services {
namespace {

namespace json = boost::json;

constexpr size_t kChunkSamples = UpstreamTtsEngine::kSampleRate / 10;

std::vector<engines::Voice> OpenAiVoices() {
  std::vector<engines::Voice> voices;
  for (const char* name : {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
                           "verse"}) {
    voices.push_back({.id = name, .name = name, .language = "", .gender = ""});
  }
  return voices;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }


}  // namespace

UpstreamTtsEngine::UpstreamTtsEngine(const http::client::Client& client, UpstreamTtsTarget target)
    : client_(client), target_(std::move(target)), voices_(OpenAiVoices()) {}

Result<engines::SynthesisResult> UpstreamTtsEngine::Synthesize(std::string_view text,
                                                               const engines::SynthesisSettings& settings,
                                                               const engines::PcmSink& sink) {
  if (text.empty()) return Unexpected(ErrorCode::kInvalidArgument, "'input' must contain text.", "input");
  http::client::OutboundRequest request{.method = "POST", .url = target_.base_url + "/audio/speech"};
  request.headers.emplace_back("Content-Type", "application/json");
  if (!target_.api_key.empty()) request.headers.emplace_back("Authorization", "Bearer " + target_.api_key);
  request.body = json::serialize(json::object{{"model", target_.model},
                                              {"input", text},
                                              {"voice", settings.voice},
                                              {"response_format", "pcm"},
                                              {"speed", settings.speed}});
  CHORUS_ASSIGN_OR_RETURN(http::client::OutboundResponse response, client_.Send(request));
  if (response.status < 200 || response.status > 299) {
    return Unexpected(ProviderHttpError(target_.provider, response.status, response.body));
  }
  const size_t total = response.body.size() / sizeof(int16_t);
  engines::SynthesisResult result;
  result.words = EstimatedWordEvents(text, static_cast<double>(total) / kSampleRate);
  std::vector<int16_t> chunk;
  for (size_t at = 0; at < total; at += kChunkSamples) {
    const size_t n = std::min(kChunkSamples, total - at);
    chunk.resize(n);
    std::memcpy(chunk.data(), response.body.data() + at * sizeof(int16_t), n * sizeof(int16_t));  // little-endian host
    result.samples += n;
    if (!sink(chunk)) {
      result.stopped = true;
      break;
    }
  }
  return result;
}

std::vector<engines::WordEvent> EstimatedWordEvents(std::string_view text, double seconds) {
  std::vector<engines::WordEvent> events;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (i > start) {
      events.push_back({.text_offset = start,
                        .text_length = i - start,
                        .start_seconds = seconds * static_cast<double>(start) / static_cast<double>(text.size())});
    }
  }
  return events;
}

}  // namespace chorus::services
