#include "api/track_routes.h"

#include <boost/json.hpp>

#include <charconv>

#include "api/json.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

json::object TrackJson(const store::AudioTrack& t) {
  return json::object{{"id", t.id},
                      {"object", "audio.track"},
                      {"url", t.url},
                      {"text", t.text},
                      {"duration", t.duration},
                      {"content_type", OrNull(t.content_type)},
                      {"byte_size", t.byte_size ? json::value(*t.byte_size) : json::value(nullptr)},
                      {"metadata", StoredJson(t.metadata)},
                      {"created_at", t.created_at}};
}

std::optional<uint64_t> Number(std::string_view s) {
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

Task<Response> CreateSpeech(services::TrackService& tracks, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto only = OnlyFields(*body, {"model", "input", "voice", "response_format", "speed", "async", "callback_url"});
      !only) {
    co_return http::ErrorResponse(only.error());
  }
  auto async = OptionalBool(*body, "async");
  auto callback_url = OptionalString(*body, "callback_url", 4096);
  if (!async) co_return http::ErrorResponse(async.error());
  if (!callback_url) co_return http::ErrorResponse(callback_url.error());
  services::SpeechRequest r;
  auto model = OptionalString(*body, "model", 100);
  auto input = RequiredString(*body, "input", 64 * 1024);
  auto voice = RequiredString(*body, "voice", 100);
  auto format = OptionalString(*body, "response_format", 20);
  if (!model || !input || !voice || !format) {
    co_return http::ErrorResponse(!model ? model.error() : !input ? input.error() : !voice ? voice.error() : format.error());
  }
  r.model = model->value_or("tts-1");
  r.input = std::move(*input);
  r.voice = std::move(*voice);
  r.response_format = format->value_or("mp3");
  if (r.response_format == "json") {
    co_return http::ErrorResponse(Error{ErrorCode::kInvalidArgument,
                                        "Stored tracks are audio; their timings are at /alignment.", "response_format"});
  }
  if (const json::value* speed = body->if_contains("speed"); speed && speed->is_number()) {
    r.speed = speed->to_number<double>();
  }
  // As a job: with "async": true or a callback_url. 202 with the job; its result names the track.
  if (async->value_or(false) || *callback_url) {
    auto queued = co_await tracks.Submit(CallerOf(req), std::move(r), std::move(*callback_url));
    if (!queued) co_return http::ErrorResponse(queued.error());
    co_return Json(202, json::object{{"object", "speech.job"},
                                     {"job_id", queued->job.id},
                                     {"tts_request_id", queued->tts_request_id},
                                     {"status", queued->job.status}});
  }
  auto created = co_await tracks.Create(CallerOf(req), std::move(r));
  if (!created) co_return http::ErrorResponse(created.error());
  json::object out = TrackJson(created->track);
  out["tts_request_id"] = created->tts_request_id;
  out["cached"] = created->cached;
  co_return Json(201, out);
}

Task<Response> ListTracks(services::TrackService& tracks, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  auto list = co_await tracks.List(CallerOf(req), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  co_return JsonListOf(list->items, TrackJson, list->next_cursor);
}

Task<Response> GetTrack(services::TrackService& tracks, Request& req) {
  auto track = co_await tracks.Get(CallerOf(req), std::string(req.PathParam("id")));
  if (!track) co_return http::ErrorResponse(track.error());
  co_return Json(200, TrackJson(*track));
}

Task<Response> TrackAudio(services::TrackService& tracks, Request& req) {
  auto audio = co_await tracks.Audio(CallerOf(req), std::string(req.PathParam("id")), ParseRange(req.Header("Range")));
  if (!audio) co_return http::ErrorResponse(audio.error());
  Response r = Response::Text(200, std::move(audio->bytes), audio->content_type);
  r.SetHeader("Accept-Ranges", "bytes");
  if (audio->unsatisfiable) {
    r = http::ErrorResponse(Error{ErrorCode::kInvalidArgument, "The range is outside the audio.", "range"});
    r.status = 416;
    r.SetHeader("Content-Range", "bytes */" + std::to_string(audio->total_size));
  } else if (audio->partial) {
    r.status = 206;
    r.SetHeader("Content-Range", "bytes " + std::to_string(audio->first) + "-" +
                                     std::to_string(audio->first + r.body.size() - 1) + "/" +
                                     std::to_string(audio->total_size));
  }
  co_return r;
}

Task<Response> TrackAlignment(services::TrackService& tracks, Request& req) {
  auto a = co_await tracks.Alignment(CallerOf(req), std::string(req.PathParam("id")));
  if (!a) co_return http::ErrorResponse(a.error());
  co_return Json(200, json::object{{"object", "audio.alignment"},
                                   {"characters", StoredJson(a->characters)},
                                   {"character_start_times_seconds", StoredJson(a->start_times)},
                                   {"character_end_times_seconds", StoredJson(a->end_times)}});
}

Task<Response> DeleteTrack(services::TrackService& tracks, Request& req) {
  auto deleted = co_await tracks.Delete(CallerOf(req), std::string(req.PathParam("id")));
  if (!deleted) co_return http::ErrorResponse(deleted.error());
  co_return Response::NoContent();
}

}  // namespace

std::optional<services::ByteRange> ParseRange(std::string_view header) {
  if (header.substr(0, 6) != "bytes=" || header.find(',') != std::string_view::npos) return std::nullopt;
  const std::string_view spec = header.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  services::ByteRange range;
  if (dash == 0) {
    range.suffix = Number(spec.substr(1));
    if (!range.suffix) return std::nullopt;
    return range;
  }
  auto first = Number(spec.substr(0, dash));
  if (!first) return std::nullopt;
  range.first = *first;
  if (dash + 1 < spec.size()) {
    range.last = Number(spec.substr(dash + 1));
    if (!range.last) return std::nullopt;
  }
  return range;
}

Status AddTrackRoutes(http::Router& router, services::TrackService& t) {
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/speech", Access::kUser, [&t](Request& r) { return CreateSpeech(t, r); },
                         "Synthesise and store a track (an identical earlier request is reused).", "inference"}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/tracks", Access::kUser, [&t](Request& r) { return ListTracks(t, r); },
                         "The caller's tracks, newest first."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/tracks/{id}", Access::kUser,
                         [&t](Request& r) { return GetTrack(t, r); }, "One track."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/tracks/{id}/audio", Access::kUser,
                         [&t](Request& r) { return TrackAudio(t, r); }, "A track's audio; HTTP ranges supported."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/tracks/{id}/alignment", Access::kUser,
                         [&t](Request& r) { return TrackAlignment(t, r); }, "A track's per-character times."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/tracks/{id}", Access::kUser,
                         [&t](Request& r) { return DeleteTrack(t, r); },
                         "Delete a track, its alignment and history, and its audio when unused."}));
  return Ok();
}

}  // namespace chorus::api
