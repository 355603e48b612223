// The fake's OpenAI audio routes. POST /v1/audio/transcriptions decodes the uploaded file with
// Chorus's own decoder, so an answer proves real audio arrived, and answers verbose_json whose text
// states the audio's length: "fake transcript of 2.79 seconds". POST /v1/audio/speech answers
// response_format "pcm" only: a 440 Hz tone at 24 kHz, 50 ms per character of the input.
// Modes apply as to the other routes.
#include <boost/json.hpp>

#include <cmath>
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
  std::optional<http::Response> bad = co_await Misbehave(config, /*stream=*/false);
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

Task<http::Response> FakeLlm::OpenAiSpeech(http::Request& request) {
  Record(request);
  const Config config = Snapshot();
  std::optional<http::Response> bad = co_await Misbehave(config, /*stream=*/false);
  if (bad) co_return std::move(*bad);
  boost::system::error_code ec;
  const json::value body = json::parse(request.body(), ec);
  if (ec || !body.is_object()) co_return ProviderError(400, "invalid_request_error", "The body is not JSON.");
  const json::object& o = body.as_object();
  const json::value* input = o.if_contains("input");
  const json::value* format = o.if_contains("response_format");
  if (input == nullptr || !input->is_string() || format == nullptr || *format != "pcm") {
    co_return ProviderError(400, "invalid_request_error", "input is required and response_format must be pcm");
  }
  const size_t samples = std::min<size_t>(input->get_string().size() * 1200, 24000 * 30);
  std::string pcm(samples * 2, '\0');
  for (size_t i = 0; i < samples; ++i) {
    const auto v = static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * static_cast<double>(i) / 24000));
    pcm[2 * i] = static_cast<char>(v & 0xff);
    pcm[2 * i + 1] = static_cast<char>((v >> 8) & 0xff);
  }
  co_return http::Response::Text(200, std::move(pcm), "audio/pcm");
}

}  // namespace chorus::testing
