// The OpenAI-compatible speech surface: POST /v1/audio/speech (audio streamed as it is made, or
// with "timestamps" the audio in JSON with character and word times) and GET /v1/audio/voices.
#include <boost/json.hpp>

#include <memory>

#include "api/audio_routes.h"
#include "api/json.h"
#include "base/encoding.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

Result<services::SpeechRequest> SpeechRequestFrom(const json::object& body) {
  CHORUS_TRY(OnlyFields(body, {"model", "input", "voice", "response_format", "speed", "timestamps", "instructions",
                               "stream_format"}));
  services::SpeechRequest r;
  CHORUS_ASSIGN_OR_RETURN(r.model, RequiredString(body, "model", 100));
  CHORUS_ASSIGN_OR_RETURN(r.input, RequiredString(body, "input", 64 * 1024));
  CHORUS_ASSIGN_OR_RETURN(r.voice, RequiredString(body, "voice", 100));
  CHORUS_ASSIGN_OR_RETURN(auto format, OptionalString(body, "response_format", 20));
  if (format) r.response_format = *format;
  CHORUS_ASSIGN_OR_RETURN(auto timestamps, OptionalBool(body, "timestamps"));
  r.timestamps = timestamps.value_or(false);
  if (const json::value* speed = body.if_contains("speed"); speed && !speed->is_null()) {
    if (!speed->is_number()) return Unexpected(ErrorCode::kInvalidArgument, "'speed' must be a number.", "speed");
    r.speed = speed->to_number<double>();
  }
  return r;
}

Task<Response> Speech(services::SpeechService& speech, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  auto request = SpeechRequestFrom(*body);
  if (!request) co_return http::ErrorResponse(request.error());
  auto plan = speech.Plan(*request);
  if (!plan) co_return http::ErrorResponse(plan.error());
  const services::Caller caller = CallerOf(req);
  if (plan->timestamps) {
    auto timed = co_await speech.SynthesizeWithTimings(caller, std::move(*plan));
    if (!timed) co_return http::ErrorResponse(timed.error());
    co_return Json(200, TimedSpeechJson(*timed));
  }
  const std::string content_type(media::ContentType(plan->format));
  std::shared_ptr<services::SpeechStream> stream = co_await speech.Stream(caller, std::move(*plan));
  Response r;
  r.content_type = content_type;
  r.stream = [stream](http::BodyStream& out) -> Task<void> {
    for (;;) {
      auto chunk = co_await stream->Next();
      if (!chunk) co_return;
      const bool written = co_await out.Write(*chunk);
      if (!written) co_return;  // the client went away: dropping the stream stops synthesis
    }
  };
  co_return r;
}

Task<Response> Voices(services::SpeechService& speech, Request&) {
  json::array data;
  for (const auto& name : speech.VoiceNames()) data.push_back(json::object{{"id", name}, {"object", "voice"}});
  co_return Json(200, json::object{{"object", "list"}, {"data", std::move(data)}});
}

}  // namespace

Status AddAudioRoutes(http::Router& router, services::SpeechService& speech) {
  CHORUS_TRY(router.Add({Method::kPost, "/v1/audio/speech", Access::kUser,
                         [&speech](Request& r) { return Speech(speech, r); },
                         "OpenAI-compatible text-to-speech, streamed; with timestamps, JSON with character times.",
                         "inference"}));
  CHORUS_TRY(router.Add({Method::kGet, "/v1/audio/voices", Access::kUser,
                         [&speech](Request& r) { return Voices(speech, r); }, "The voices /v1/audio/speech takes.",
                         "inference"}));
  return Ok();
}

json::object TimedSpeechJson(const services::TimedSpeech& t, bool with_audio) {
  json::array characters, starts, ends, words;
  for (size_t i = 0; i < t.alignment.characters.size(); ++i) {
    characters.emplace_back(t.alignment.characters[i]);
    starts.emplace_back(t.alignment.start_times[i]);
    ends.emplace_back(t.alignment.end_times[i]);
  }
  for (const auto& w : t.words) words.push_back(json::object{{"word", w.word}, {"start", w.start}, {"end", w.end}});
  json::object out{{"content_type", t.content_type},
                      {"duration", t.duration_seconds},
                      {"alignment", json::object{{"characters", std::move(characters)},
                                                 {"character_start_times_seconds", std::move(starts)},
                                                 {"character_end_times_seconds", std::move(ends)}}},
                      {"words", std::move(words)}};
  if (with_audio) out["audio_base64"] = Base64Encode(t.audio);
  return out;
}

}  // namespace chorus::api
