#include "services/transcription_service.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "base/strings.h"
#include "base/time.h"
#include "store/jobs.h"
#include "store/usage_metrics.h"

namespace chorus::services {
namespace {

namespace json = boost::json;

constexpr std::string_view kBlobPrefix = "blob:";
constexpr size_t kPcmChunk = 16000;  // one second at 16 kHz

// Milliseconds are enough for times and confidences, and keep long transcripts' metadata small.
double Rounded(double value) { return std::round(value * 1000) / 1000; }

// The stored form of a recognised transcript's segments: [{start, end, text, confidence, words:
// [[word, start, end, confidence], ...]}] (see SegmentsFrom for reading it back).
json::array SegmentsJson(const engines::Transcript& t) {
  json::array segments;
  for (const auto& s : t.segments) {
    json::array words;
    for (const auto& w : s.words) {
      words.push_back(json::array{json::value(w.word), Rounded(w.start), Rounded(w.end), Rounded(w.confidence)});
    }
    segments.push_back(json::object{{"start", Rounded(s.start)},
                                    {"end", Rounded(s.end)},
                                    {"text", s.text},
                                    {"confidence", Rounded(s.confidence)},
                                    {"words", std::move(words)}});
  }
  return segments;
}

double Number(const json::value* v) { return v != nullptr && v->is_number() ? v->to_number<double>() : 0; }
std::string Text(const json::value* v) { return v != nullptr && v->is_string() ? std::string(v->get_string()) : ""; }

std::vector<engines::RecognizedSegment> SegmentsFrom(const json::value* stored) {
  std::vector<engines::RecognizedSegment> out;
  if (stored == nullptr || !stored->is_array()) return out;
  for (const auto& item : stored->get_array()) {
    const json::object* o = item.if_object();
    if (o == nullptr) continue;
    engines::RecognizedSegment s{.start = Number(o->if_contains("start")),
                                 .end = Number(o->if_contains("end")),
                                 .text = Text(o->if_contains("text")),
                                 .confidence = Number(o->if_contains("confidence"))};
    if (const json::value* words = o->if_contains("words"); words != nullptr && words->is_array()) {
      for (const auto& w : words->get_array()) {
        const json::array* a = w.if_array();
        if (a == nullptr || a->size() < 4) continue;
        s.words.push_back({Text(&(*a)[0]), Number(&(*a)[1]), Number(&(*a)[2]), Number(&(*a)[3])});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

json::object ParseObjectOrEmpty(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? std::move(v.get_object()) : json::object();
}

// The details a job hands from Run to FinishJob, and a sync request keeps in the row.
json::object ResultJson(const engines::Transcript& t) {
  return json::object{{"text", t.text},
                      {"language", t.language},
                      {"duration", t.duration},
                      {"confidence", t.confidence},
                      {"segments", SegmentsJson(t)}};
}

store::TranscriptionResult StoredResult(const engines::Transcript& t, json::object metadata) {
  metadata["segments"] = SegmentsJson(t);
  return store::TranscriptionResult{.transcript_text = t.text,
                                    .language = t.language,
                                    .duration = t.duration,
                                    .confidence = t.confidence,
                                    .metadata = json::serialize(metadata)};
}

json::object RequestMetadata(const TranscribeOptions& options, const std::string& filename) {
  json::object m;
  if (!filename.empty()) m["filename"] = filename;
  if (!options.prompt.empty()) m["prompt"] = options.prompt;
  return m;
}

// An engine with no list of languages passes any on (an upstream provider decides).
bool LanguageSupported(const engines::SttEngine& engine, std::string_view language) {
  if (language.empty() || engine.languages().empty()) return true;
  std::string base(language.substr(0, language.find_first_of("-_")));
  for (char& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto& supported = engine.languages();
  return std::find(supported.begin(), supported.end(), base) != supported.end();
}

// The words of a snippet that the search marked.
std::vector<std::string> MarkedWords(std::string_view snippet) {
  std::vector<std::string> out;
  for (size_t at = snippet.find("<mark>"); at != std::string_view::npos; at = snippet.find("<mark>", at)) {
    at += 6;
    const size_t end = snippet.find("</mark>", at);
    if (end == std::string_view::npos) break;
    std::string word(snippet.substr(at, end - at));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(std::move(word));
    at = end;
  }
  return out;
}

// Where the first segment holding one of `words` starts (0 when none does: the match may be a stem).
double StartOfMatch(const std::vector<engines::RecognizedSegment>& segments, const std::vector<std::string>& words) {
  for (const auto& segment : segments) {
    for (const auto& w : segment.words) {
      if (std::find(words.begin(), words.end(), w.word) != words.end()) return segment.start;
    }
  }
  return 0;
}

}  // namespace

Result<engines::Transcript> RecognizeAudio(engines::SttEngine& engine, const media::AudioSource& source,
                                           double max_seconds, const TranscribeOptions& options,
                                           const engines::ProgressSink& progress) {
  media::DecodeOptions decode{.sample_rate = engines::kSttSampleRate, .max_seconds = max_seconds};
  CHORUS_ASSIGN_OR_RETURN(auto decoder, media::AudioDecoder::Open(source, decode));
  engines::PcmSource pcm = [&decoder](std::span<int16_t> out) { return decoder->Read(out); };
  const engines::RecognitionSettings settings{.language = options.language, .prompt = options.prompt};
  return engine.Transcribe(pcm, settings, progress);
}

// The "transcription" job kind.
class TranscriptionService::Job final : public jobs::JobHandler {
 public:
  explicit Job(TranscriptionService& service) : service_(service) {}

  Result<std::string> Run(jobs::JobContext& context) override {
    CHORUS_ASSIGN_OR_RETURN(engines::Transcript t, service_.RunJob(context));
    return json::serialize(ResultJson(t));
  }
  Status OnStarted(store::Connection& conn, const store::Job& job) override {
    return store::transcriptions::MarkProcessing(conn, job.subject_id.value_or(""));
  }
  Status OnFinished(store::Connection& conn, const store::Job& job, const jobs::JobOutcome& outcome) override {
    return service_.FinishJob(conn, job, outcome);
  }

 private:
  TranscriptionService& service_;
};

TranscriptionService::TranscriptionService(SttModels models, BlockingPool& pool, store::AsyncDb& db,
                                           storage::BlobStore& blobs, const http::client::Client& fetcher,
                                           JobService& jobs, SttSettings settings)
    : models_(std::move(models)),
      pool_(pool),
      db_(db),
      blobs_(blobs),
      fetcher_(fetcher),
      jobs_(jobs),
      settings_(std::move(settings)),
      job_(std::make_unique<Job>(*this)) {}

TranscriptionService::~TranscriptionService() = default;

jobs::JobHandler& TranscriptionService::job_handler() { return *job_; }

Result<std::string> SttModels::Resolve(std::string_view requested) const {
  // whisper-1 is OpenAI's name: clients that send it get the default model.
  if (requested.empty() || requested == "whisper-1") return default_model;
  if (engines.contains(requested)) return std::string(requested);
  std::string names;
  for (const auto& [name, engine] : engines) names += name + ", ";
  return Unexpected(ErrorCode::kInvalidArgument, fmt::format("Unknown model '{}'; available: {}whisper-1.", requested, names),
                    "model");
}

Status SttModels::Check(std::string_view model, std::string_view language) const {
  CHORUS_ASSIGN_OR_RETURN(const std::string name, Resolve(model));
  const engines::SttEngine& engine = *engines.at(name);
  if (!LanguageSupported(engine, language)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      fmt::format("Language '{}' is not supported by {}; supported: {}.", language, name,
                                  fmt::join(engine.languages(), ", ")),
                      "language");
  }
  return Ok();
}

Status TranscriptionService::Meter(store::Connection& conn, const std::string& user_id, const std::string& model,
                                   double seconds) {
  const double cost = PriceOf(settings_.price_per_minute, model) * seconds / 60;
  const store::UsageIncrement inc{.audio_seconds = seconds, .cost = cost};
  return store::usage_metrics::Add(conn, user_id, "asr", NowTimestamp().substr(0, 10), inc);
}

Task<Result<TranscriptionOutcome>> TranscriptionService::Transcribe(const Caller& caller, AudioInput audio,
                                                                    TranscribeOptions options) {
  auto model = models_.Resolve(options.model);
  if (!model) co_return Unexpected(std::move(model).error());
  if (auto ok = models_.Check(*model, options.language); !ok) co_return Unexpected(std::move(ok).error());
  auto recognize = [this, &audio, &options, &model] {
    return RecognizeAudio(EngineFor(*model), audio.source, settings_.max_seconds, options);
  };
  auto transcript = co_await pool_.Run(recognize);
  if (!transcript) co_return Unexpected(std::move(transcript).error());

  const engines::Transcript& t = *transcript;
  auto store_row = [&](store::Connection& c) -> Result<store::Transcription> {
    const store::NewTranscription row{.language = t.language, .model = *model};
    CHORUS_ASSIGN_OR_RETURN(store::Transcription created, store::transcriptions::Create(c, caller.user_id, row));
    CHORUS_TRY(store::transcriptions::Complete(c, created.id,
                                               StoredResult(t, RequestMetadata(options, audio.filename)),
                                               NowTimestamp()));
    CHORUS_TRY(Meter(c, caller.user_id, *model, t.duration));
    return store::transcriptions::Get(c, caller.user_id, created.id);
  };
  auto row = co_await db_.Write(store_row);
  if (!row) co_return Unexpected(std::move(row).error());
  co_return TranscriptionOutcome{std::move(*row), std::move(*transcript)};
}

Result<std::string> TranscriptionService::StoreAudio(const AudioInput& audio) {
  const media::AudioSource& s = audio.source;
  if (!s.path.empty()) return blobs_.PutFile(s.path, s.offset, s.length);
  return blobs_.Put(s.bytes);
}

Task<Result<store::Transcription>> TranscriptionService::Submit(const Caller& caller, std::optional<AudioInput> audio,
                                                               std::optional<std::string> audio_url,
                                                               TranscribeOptions options,
                                                               std::optional<std::string> callback_url) {
  auto model = models_.Resolve(options.model);
  if (!model) co_return Unexpected(std::move(model).error());
  if (auto ok = models_.Check(*model, options.language); !ok) co_return Unexpected(std::move(ok).error());
  if (callback_url) {
    Status checked = co_await jobs_.CheckCallbackUrl(*callback_url);
    if (!checked) co_return Unexpected(std::move(checked).error());
  }
  std::string location;
  if (audio) {
    // Open it first: what is not audio (or claims to be too long) is refused with nothing stored.
    auto store_audio = [this, &audio]() -> Result<std::string> {
      const media::DecodeOptions decode{.sample_rate = engines::kSttSampleRate, .max_seconds = settings_.max_seconds};
      CHORUS_ASSIGN_OR_RETURN(auto decoder, media::AudioDecoder::Open(audio->source, decode));
      if (decoder->info().declared_seconds > settings_.max_seconds) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          fmt::format("The audio is longer than the limit of {:.0f} seconds.", settings_.max_seconds),
                          "file");
      }
      return StoreAudio(*audio);
    };
    auto key = co_await pool_.Run(store_audio);
    if (!key) co_return Unexpected(std::move(key).error());
    location = std::string(kBlobPrefix) + *key;
  } else if (audio_url) {
    std::string param = "audio_url";
    Status checked = co_await jobs_.CheckUrl(*audio_url, std::move(param));
    if (!checked) co_return Unexpected(std::move(checked).error());
    location = *audio_url;
  } else {
    co_return Unexpected(ErrorCode::kInvalidArgument, "Send the audio as 'file' or name it with 'audio_url'.", "file");
  }

  const std::string filename = audio ? audio->filename : "";
  auto enqueue = [&](store::Connection& c) -> Result<store::Transcription> {
    const store::NewTranscription row{.audio_url = location,
                                      .language = options.language.empty() ? std::nullopt
                                                                           : std::optional(options.language),
                                      .model = *model,
                                      .metadata = json::serialize(RequestMetadata(options, filename))};
    CHORUS_ASSIGN_OR_RETURN(store::Transcription created, store::transcriptions::Create(c, caller.user_id, row));
    const json::object payload{{"language", options.language}, {"prompt", options.prompt}, {"model", *model}};
    const store::NewJob job{.kind = kTranscriptionJobKind,
                            .user_id = caller.user_id,
                            .subject_type = "transcription",
                            .subject_id = created.id,
                            .payload = json::serialize(payload),
                            .max_attempts = 3,
                            .callback_url = callback_url};
    CHORUS_TRY(store::jobs::Enqueue(c, job));
    return created;
  };
  auto created = co_await db_.Write(enqueue);
  if (created) jobs_.NotifyEnqueued();
  co_return created;
}

Result<engines::Transcript> TranscriptionService::RunJob(jobs::JobContext& context) {
  const store::Job& job = context.job();
  auto row = store::Transact(db_.database(), store::Access::kRead, [&](store::Connection& c) {
    return store::transcriptions::GetById(c, job.subject_id.value_or(""));
  });
  if (!row) return Unexpected(std::move(row).error());
  const json::object payload = ParseObjectOrEmpty(job.payload.value_or("{}"));
  const TranscribeOptions options{.model = Text(payload.if_contains("model")),
                                  .language = Text(payload.if_contains("language")),
                                  .prompt = Text(payload.if_contains("prompt"))};
  // The model as it was resolved at submission; one no longer configured fails the job.
  auto model = models_.Resolve(row->model.value_or(""));
  if (!model) return Unexpected(std::move(model).error());
  engines::SttEngine& engine = EngineFor(*model);
  const std::string location = row->audio_url.value_or("");
  engines::ProgressSink progress = [&context](double) { return !context.stop_requested(); };

  if (location.starts_with(kBlobPrefix)) {
    const std::string key = location.substr(kBlobPrefix.size());
    if (auto path = blobs_.LocalPath(key)) {
      CHORUS_ASSIGN_OR_RETURN(uint64_t size, blobs_.Size(key));
      return RecognizeAudio(engine, media::AudioSource::FileRange(*path, 0, size), settings_.max_seconds, options,
                            progress);
    }
    CHORUS_ASSIGN_OR_RETURN(uint64_t size, blobs_.Size(key));
    CHORUS_ASSIGN_OR_RETURN(std::string bytes, blobs_.Read(key, 0, size));
    return RecognizeAudio(engine, media::AudioSource::Memory(bytes), settings_.max_seconds, options, progress);
  }
  const http::client::OutboundRequest get{.method = "GET", .url = location};
  auto fetched = fetcher_.Send(get);
  if (!fetched) {
    Error e = std::move(fetched).error();
    // A refused or malformed URL will not pass later; a network failure may.
    if (e.code == ErrorCode::kPermissionDenied || e.code == ErrorCode::kInvalidArgument) e.param = "audio_url";
    return Unexpected(std::move(e));
  }
  if (fetched->status < 200 || fetched->status > 299) {
    const ErrorCode code = fetched->status >= 500 ? ErrorCode::kUpstream : ErrorCode::kInvalidArgument;
    return Unexpected(code, fmt::format("Fetching the audio_url answered HTTP {}.", fetched->status), "audio_url");
  }
  return RecognizeAudio(engine, media::AudioSource::Memory(fetched->body), settings_.max_seconds, options, progress);
}

Status TranscriptionService::FinishJob(store::Connection& conn, const store::Job& job,
                                       const jobs::JobOutcome& outcome) {
  const std::string id = job.subject_id.value_or("");
  if (outcome.status != "completed") {
    const std::string message = outcome.status == "cancelled" ? "cancelled" : outcome.error;
    Status failed = store::transcriptions::Fail(conn, id, message, NowTimestamp());
    // Deleted meanwhile: nothing left to follow the job.
    return !failed && failed.error().code == ErrorCode::kNotFound ? Ok() : failed;
  }
  auto row = store::transcriptions::GetById(conn, id);
  if (!row) return row.error().code == ErrorCode::kNotFound ? Ok() : Status(Unexpected(std::move(row).error()));
  const json::object result = ParseObjectOrEmpty(outcome.result);
  engines::Transcript t{.text = Text(result.if_contains("text")),
                        .language = Text(result.if_contains("language")),
                        .duration = Number(result.if_contains("duration")),
                        .confidence = Number(result.if_contains("confidence")),
                        .segments = SegmentsFrom(result.if_contains("segments"))};
  CHORUS_TRY(store::transcriptions::Complete(conn, id, StoredResult(t, ParseObjectOrEmpty(row->metadata)),
                                             NowTimestamp()));
  return Meter(conn, row->user_id, row->model.value_or(kLocalSttModel), t.duration);
}

Task<Result<store::Transcription>> TranscriptionService::Get(const Caller& caller, std::string id) {
  co_return co_await db_.Read(
      [&](store::Connection& c) { return store::transcriptions::Get(c, caller.user_id, id); });
}

Task<Result<store::Page<store::Transcription>>> TranscriptionService::List(const Caller& caller,
                                                                         store::TranscriptionFilter filter,
                                                                         store::PageRequest page) {
  co_return co_await db_.Read(
      [&](store::Connection& c) { return store::transcriptions::List(c, caller.user_id, filter, page); });
}

Task<Status> TranscriptionService::Delete(const Caller& caller, std::string id) {
  // The row goes, and with it the audio when no other row uses the same stored bytes.
  auto remove = [&](store::Connection& c) -> Result<std::optional<std::string>> {
    CHORUS_ASSIGN_OR_RETURN(auto audio_url, store::transcriptions::Delete(c, caller.user_id, id));
    if (!audio_url || !audio_url->starts_with(kBlobPrefix)) return std::optional<std::string>();
    CHORUS_ASSIGN_OR_RETURN(int64_t users, store::transcriptions::CountByAudioUrl(c, *audio_url));
    if (users > 0) return std::optional<std::string>();
    return std::optional<std::string>(audio_url->substr(kBlobPrefix.size()));
  };
  auto unused = co_await db_.Write(remove);
  if (!unused) co_return Unexpected(std::move(unused).error());
  if (*unused) {
    auto drop = [this, &unused] { return blobs_.Remove(**unused); };
    (void)co_await pool_.Run(drop);  // an orphaned blob is only space, never data loss
  }
  co_return Ok();
}

Task<Result<std::vector<TranscriptSearchHit>>> TranscriptionService::Search(const Caller& caller, std::string query,
                                                                          int limit) {
  if (Trim(query).empty()) co_return Unexpected(ErrorCode::kInvalidArgument, "'q' must not be empty.", "q");
  auto search = [&](store::Connection& c) -> Result<std::vector<TranscriptSearchHit>> {
    CHORUS_ASSIGN_OR_RETURN(auto hits, store::transcriptions::Search(c, caller.user_id, query, limit));
    std::vector<TranscriptSearchHit> out;
    for (auto& hit : hits) {
      // The segments (in the metadata the search returned with each hit) say where the match is heard.
      const json::object metadata = ParseObjectOrEmpty(hit.metadata);
      const double start = StartOfMatch(SegmentsFrom(metadata.if_contains("segments")), MarkedWords(hit.snippet));
      hit.metadata.clear();
      out.push_back({std::move(hit), start});
    }
    return out;
  };
  co_return co_await db_.Read(search);
}

engines::Transcript TranscriptionService::TranscriptOf(const store::Transcription& row) {
  const json::object metadata = ParseObjectOrEmpty(row.metadata);
  return engines::Transcript{.text = row.transcript_text.value_or(""),
                             .language = row.language.value_or(""),
                             .duration = row.duration.value_or(0),
                             .confidence = row.confidence.value_or(0),
                             .segments = SegmentsFrom(metadata.if_contains("segments"))};
}

}  // namespace chorus::services
