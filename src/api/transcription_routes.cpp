// Speech-to-text routes: OpenAI's synchronous POST /v1/audio/transcriptions, and the native
// asynchronous /api/v1/transcriptions with search over what was said.
#include "api/transcription_routes.h"

#include <boost/json.hpp>

#include <charconv>

#include "api/json.h"
#include "api/transcript_formats.h"
#include "base/encoding.h"
#include "http/multipart.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

// Text fields of a form, read out of the body (each small); the audio stays where it lies.
struct UploadForm {
  http::MultipartForm form;
  const http::MultipartPart* file = nullptr;
  std::map<std::string, std::string, std::less<>> fields;
  std::vector<std::string> granularities;
};

Result<UploadForm> ReadUploadForm(const Request& req, std::initializer_list<std::string_view> allowed) {
  UploadForm out;
  CHORUS_ASSIGN_OR_RETURN(out.form, http::ParseMultipart(req));
  for (const auto& part : out.form.parts) {
    if (std::find(allowed.begin(), allowed.end(), part.name) == allowed.end()) {
      return Unexpected(ErrorCode::kInvalidArgument, "Unknown field '" + part.name + "'.", part.name);
    }
    if (part.name == "file") {
      out.file = &part;
      continue;
    }
    CHORUS_ASSIGN_OR_RETURN(std::string value, http::ReadPartText(req, part));
    if (part.name == "timestamp_granularities[]" || part.name == "timestamp_granularities") {
      out.granularities.push_back(std::move(value));
    } else {
      out.fields[part.name] = std::move(value);
    }
  }
  return out;
}

std::string Field(const UploadForm& form, std::string_view name) {
  const auto it = form.fields.find(name);
  return it == form.fields.end() ? std::string() : it->second;
}

// The file part as decoder input: a byte range of the spooled body, or of the body in memory.
services::AudioInput AudioOf(const Request& req, const http::MultipartPart& part) {
  services::AudioInput audio;
  if (const auto& spooled = req.spooled_body()) {
    audio.source = media::AudioSource::FileRange(spooled->path(), part.offset, part.length);
    audio.owner = spooled;
  } else {
    audio.source = media::AudioSource::Memory(std::string_view(req.body()).substr(part.offset, part.length));
  }
  audio.filename = part.filename.value_or("");
  return audio;
}

Result<Granularities> ParseGranularities(const std::vector<std::string>& values, TranscriptFormat format) {
  if (values.empty()) return Granularities{};
  Granularities g{.segments = false, .words = false};
  for (const auto& v : values) {
    if (v == "word") g.words = true;
    else if (v == "segment") g.segments = true;
    else return Unexpected(ErrorCode::kInvalidArgument, "'timestamp_granularities[]' takes word or segment.",
                           "timestamp_granularities[]");
  }
  if (format != TranscriptFormat::kVerboseJson) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "'timestamp_granularities[]' requires response_format verbose_json.", "timestamp_granularities[]");
  }
  return g;
}

Status CheckTemperature(const std::string& text) {
  if (text.empty()) return Ok();
  double t = -1;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), t);
  if (ec != std::errc() || ptr != text.data() + text.size() || t < 0 || t > 1) {
    return Unexpected(ErrorCode::kInvalidArgument, "'temperature' must be a number from 0 to 1.", "temperature");
  }
  return Ok();
}

json::object TranscriptionJson(const store::Transcription& t) {
  json::value metadata = StoredJson(t.metadata);
  if (metadata.is_object()) metadata.get_object().erase("segments");  // see ?format=verbose_json
  return json::object{{"id", t.id},
                      {"object", "transcription"},
                      {"status", t.status},
                      {"audio_url", OrNull(t.audio_url)},
                      {"text", OrNull(t.transcript_text)},
                      {"language", OrNull(t.language)},
                      {"duration", OrNull(t.duration)},
                      {"model", OrNull(t.model)},
                      {"confidence", OrNull(t.confidence)},
                      {"error_message", OrNull(t.error_message)},
                      {"metadata", std::move(metadata)},
                      {"created_at", t.created_at},
                      {"updated_at", t.updated_at},
                      {"completed_at", OrNull(t.completed_at)}};
}

Response Rendered(const engines::Transcript& t, TranscriptFormat format, Granularities g) {
  TranscriptRendering r = RenderTranscript(t, format, g);
  return Response::Text(200, std::move(r.body), std::move(r.content_type));
}

Task<Response> OpenAiTranscribe(services::TranscriptionService& stt, Request& req) {
  auto form = ReadUploadForm(req, {"file", "model", "language", "prompt", "response_format", "temperature",
                                   "timestamp_granularities[]", "timestamp_granularities"});
  if (!form) co_return http::ErrorResponse(form.error());
  if (form->file == nullptr) {
    co_return http::ErrorResponse(MakeError(ErrorCode::kInvalidArgument, "'file' is required.", "file"));
  }
  if (Field(*form, "model").empty()) {
    co_return http::ErrorResponse(MakeError(ErrorCode::kInvalidArgument, "'model' is required.", "model"));
  }
  const std::string format_name = Field(*form, "response_format");
  auto format = ParseTranscriptFormat(format_name.empty() ? "json" : format_name);
  if (format && format_name == "txt") format = ParseTranscriptFormat("");  // the native API's name, not OpenAI's
  if (!format) co_return http::ErrorResponse(format.error());
  auto granularities = ParseGranularities(form->granularities, *format);
  if (!granularities) co_return http::ErrorResponse(granularities.error());
  if (auto ok = CheckTemperature(Field(*form, "temperature")); !ok) co_return http::ErrorResponse(ok.error());
  services::TranscribeOptions options{.model = Field(*form, "model"),
                                      .language = Field(*form, "language"),
                                      .prompt = Field(*form, "prompt")};
  services::AudioInput audio = AudioOf(req, *form->file);
  auto outcome = co_await stt.Transcribe(CallerOf(req), std::move(audio), std::move(options));
  if (!outcome) co_return http::ErrorResponse(outcome.error());
  co_return Rendered(outcome->transcript, *format, *granularities);
}

// POST /api/v1/transcriptions: multipart (file or audio_url, options) or JSON (audio_url or
// audio_base64, options).
Task<Response> Submit(services::TranscriptionService& stt, Request& req) {
  std::optional<services::AudioInput> audio;
  std::optional<std::string> audio_url;
  std::optional<std::string> callback_url;
  services::TranscribeOptions options;
  if (http::MultipartBoundary(req.Header("Content-Type"))) {
    auto form = ReadUploadForm(req, {"file", "audio_url", "model", "language", "prompt", "callback_url"});
    if (!form) co_return http::ErrorResponse(form.error());
    if (form->file != nullptr) audio = AudioOf(req, *form->file);
    if (auto url = Field(*form, "audio_url"); !url.empty()) audio_url = url;
    if (auto url = Field(*form, "callback_url"); !url.empty()) callback_url = url;
    options = {.model = Field(*form, "model"), .language = Field(*form, "language"), .prompt = Field(*form, "prompt")};
  } else {
    auto body = ParseObject(req);
    if (!body) co_return http::ErrorResponse(body.error());
    if (auto only = OnlyFields(*body, {"audio_url", "audio_base64", "model", "language", "prompt", "callback_url"});
        !only) {
      co_return http::ErrorResponse(only.error());
    }
    auto url = OptionalString(*body, "audio_url", 4096);
    auto base64 = OptionalString(*body, "audio_base64", req.body().size());
    auto model = OptionalString(*body, "model", 100);
    auto language = OptionalString(*body, "language", 20);
    auto prompt = OptionalString(*body, "prompt", 4096);
    auto callback = OptionalString(*body, "callback_url", 4096);
    if (!url) co_return http::ErrorResponse(url.error());
    if (!base64) co_return http::ErrorResponse(base64.error());
    if (!model) co_return http::ErrorResponse(model.error());
    if (!language) co_return http::ErrorResponse(language.error());
    if (!prompt) co_return http::ErrorResponse(prompt.error());
    if (!callback) co_return http::ErrorResponse(callback.error());
    audio_url = *url;
    callback_url = *callback;
    options = {.model = model->value_or(""), .language = language->value_or(""), .prompt = prompt->value_or("")};
    if (*base64) {
      auto bytes = Base64Decode(**base64);
      if (!bytes) {
        co_return http::ErrorResponse(
            MakeError(ErrorCode::kInvalidArgument, "'audio_base64' is not valid base64.", "audio_base64"));
      }
      auto owned = std::make_shared<const std::string>(std::move(*bytes));
      audio = services::AudioInput{.source = media::AudioSource::Memory(*owned), .owner = owned};
    }
  }
  if (audio && audio_url) {
    co_return http::ErrorResponse(
        MakeError(ErrorCode::kInvalidArgument, "Send the audio or an audio_url, not both.", "audio_url"));
  }
  auto created = co_await stt.Submit(CallerOf(req), std::move(audio), std::move(audio_url), std::move(options),
                                     std::move(callback_url));
  if (!created) co_return http::ErrorResponse(created.error());
  co_return Json(202, TranscriptionJson(*created));
}

Task<Response> Get(services::TranscriptionService& stt, Request& req) {
  auto row = co_await stt.Get(CallerOf(req), std::string(req.PathParam("id")));
  if (!row) co_return http::ErrorResponse(row.error());
  const auto format_name = req.Query("format");
  if (!format_name) co_return Json(200, TranscriptionJson(*row));
  auto format = ParseTranscriptFormat(*format_name, "format");
  if (!format) co_return http::ErrorResponse(format.error());
  if (row->status != "completed") {
    co_return http::ErrorResponse(
        MakeError(ErrorCode::kConflict, "The transcription is " + row->status + "; it has no transcript yet."));
  }
  co_return Rendered(services::TranscriptionService::TranscriptOf(*row), *format, {.segments = true, .words = true});
}

Task<Response> List(services::TranscriptionService& stt, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  store::TranscriptionFilter filter{.status = req.Query("status"),
                                    .language = req.Query("language"),
                                    .created_from = req.Query("created_from"),
                                    .created_to = req.Query("created_to")};
  if (filter.status && *filter.status != "pending" && *filter.status != "processing" &&
      *filter.status != "completed" && *filter.status != "failed") {
    co_return http::ErrorResponse(MakeError(ErrorCode::kInvalidArgument,
                                            "'status' is one of pending, processing, completed, failed.", "status"));
  }
  auto list = co_await stt.List(CallerOf(req), std::move(filter), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  co_return JsonListOf(list->items, TranscriptionJson, list->next_cursor);
}

Task<Response> Delete(services::TranscriptionService& stt, Request& req) {
  Status deleted = co_await stt.Delete(CallerOf(req), std::string(req.PathParam("id")));
  if (!deleted) co_return http::ErrorResponse(deleted.error());
  co_return Response::NoContent();
}

Task<Response> Search(services::TranscriptionService& stt, Request& req) {
  int limit = 10;
  if (auto text = req.Query("limit")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || ptr != text->data() + text->size() || limit < 1 || limit > 100) {
      co_return http::ErrorResponse(MakeError(ErrorCode::kInvalidArgument, "'limit' is 1 to 100.", "limit"));
    }
  }
  auto hits = co_await stt.Search(CallerOf(req), req.Query("q").value_or(""), limit);
  if (!hits) co_return http::ErrorResponse(hits.error());
  co_return JsonListOf(*hits, [](const services::TranscriptSearchHit& h) {
    return json::object{{"id", h.hit.id},          {"object", "search.hit"}, {"snippet", h.hit.snippet},
                        {"rank", h.hit.rank},      {"start", h.start},       {"created_at", h.hit.created_at}};
  });
}

}  // namespace

Status AddTranscriptionRoutes(http::Router& router, services::TranscriptionService& stt) {
  CHORUS_TRY(router.Add({Method::kPost, "/v1/audio/transcriptions", Access::kUser,
                         [&stt](Request& r) { return OpenAiTranscribe(stt, r); },
                         "OpenAI-compatible speech-to-text (multipart), answered when recognised.", "inference"}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/transcriptions", Access::kUser,
                         [&stt](Request& r) { return Submit(stt, r); },
                         "Queue a transcription of an upload, base64 audio or an audio_url; optional webhook.",
                         "inference"}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/transcriptions", Access::kUser,
                         [&stt](Request& r) { return List(stt, r); },
                         "The caller's transcriptions, newest first; filter by status, language, dates."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/transcriptions/{id}", Access::kUser,
                         [&stt](Request& r) { return Get(stt, r); },
                         "A transcription; ?format=srt|vtt|txt|json|verbose_json renders its transcript."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/transcriptions/{id}", Access::kUser,
                         [&stt](Request& r) { return Delete(stt, r); },
                         "Delete a transcription and its stored audio when unused."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/search", Access::kUser, [&stt](Request& r) { return Search(stt, r); },
                         "Ranked full-text search over the caller's transcripts, with snippets and times."}));
  return Ok();
}

}  // namespace chorus::api
