// The fake's OpenAI audio route: POST /v1/audio/transcriptions. It decodes the uploaded file with
// Chorus's own decoder, so an answer proves real audio arrived, and answers verbose_json whose text
// states the audio's length: "fake transcript of 2.79 seconds" (the configured reply when the file
// is not audio). Modes apply as to the other routes.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "http/multipart.h"
#include "http/request.h"
#include "http/response.h"
#include "media/audio_decoder.h"
#include "tests/support/fake_llm.h"

namespace chorus::testing {

namespace json = boost::json;

namespace {

// Seconds of decodable audio in `bytes`; nullopt when it is not audio.
std::optional<double> AudioSeconds(std::string_view bytes) {
  auto decoder = media::AudioDecoder::Open(media::AudioSource::Memory(bytes));
  if (!decoder) return std::nullopt;
  std::vector<int16_t> pcm(16000);
  while (true) {
    auto n = (*decoder)->Read(pcm);
    if (!n) return std::nullopt;
    if (*n == 0) break;
  }
  return (*decoder)->seconds_decoded();
}

}  // namespace

Task<http::Response> FakeLlm::OpenAiTranscription(http::Request& request) {
  Record(request);
  const Config config = Snapshot();
  std::optional<http::Response> bad = co_await Misbehave(config.mode, /*stream=*/false);
  if (bad) co_return std::move(*bad);
  auto form = http::ParseMultipart(request);
  if (!form) co_return ProviderError(400, "invalid_request_error", form.error().message);
  const http::MultipartPart* file = form->Find("file");
  const http::MultipartPart* model = form->Find("model");
  if (file == nullptr || model == nullptr) {
    co_return ProviderError(400, "invalid_request_error", "file and model are required");
  }
  auto bytes = http::ReadPartText(request, *file, 64 << 20);
  if (!bytes) co_return ProviderError(400, "invalid_request_error", bytes.error().message);
  const std::optional<double> seconds = AudioSeconds(*bytes);
  if (!seconds) co_return ProviderError(400, "invalid_request_error", "Could not decode the audio file.");
  const std::string text = fmt::format("fake transcript of {:.2f} seconds", *seconds);
  json::array words;
  double at = 0;
  for (const char* w : {"fake", "transcript", "of", "seconds"}) {
    words.push_back(json::object{{"word", w}, {"start", at}, {"end", at + *seconds / 4}});
    at += *seconds / 4;
  }
  co_return http::Response::Json(
      200, json::serialize(json::object{
               {"task", "transcribe"},
               {"language", "english"},
               {"duration", *seconds},
               {"text", text},
               {"segments", json::array{json::object{{"id", 0}, {"start", 0.0}, {"end", *seconds}, {"text", " " + text},
                                                     {"avg_logprob", -0.1}}}},
               {"words", std::move(words)}}));
}

}  // namespace chorus::testing
