#include "services/track_service.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include "base/digest.h"
#include "base/ids.h"
#include "base/strings.h"
#include "store/jobs.h"
#include "store/transaction.h"

namespace chorus::services {
namespace {

namespace json = boost::json;
using store::Connection;

template <typename T, typename F>
json::array ArrayOf(const std::vector<T>& items, F f) {
  json::array out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(f(item));
  return out;
}

std::string SettingsJson(const SpeechPlan& plan) {
  return json::serialize(json::object{{"speed", plan.settings.speed},
                                      {"pitch", plan.settings.pitch},
                                      {"volume", plan.settings.volume},
                                      {"engine_voice", plan.settings.voice},
                                      {"format", std::string(media::Extension(plan.format))}});
}

// The requested range within `size` bytes as [first, last]; nullopt when it cannot be satisfied.
std::optional<std::pair<uint64_t, uint64_t>> Resolve(const ByteRange& r, uint64_t size) {
  if (size == 0) return std::nullopt;
  if (r.suffix) {
    if (*r.suffix == 0) return std::nullopt;
    return std::make_pair(size - std::min(*r.suffix, size), size - 1);
  }
  if (r.first >= size) return std::nullopt;
  const uint64_t last = std::min(r.last.value_or(size - 1), size - 1);
  if (last < r.first) return std::nullopt;
  return std::make_pair(r.first, last);
}

}  // namespace

std::string TrackService::CacheKey(const SpeechPlan& plan, std::string_view voice_name) {
  return Sha256Hex(fmt::format("{}\n{}\n{}\n{}\n{}", plan.model, voice_name, SettingsJson(plan),
                               media::Extension(plan.format), plan.input));
}

Task<Result<CreatedTrack>> TrackService::Create(const Caller& caller, SpeechRequest request) {
  // One hop to a speech thread: planning (the engine's voices), the cache, synthesis and the rows.
  auto work = [this, &caller, &request] { return CreateNow(caller.user_id, request, std::nullopt); };
  co_return co_await blocking_.Run(std::move(work));
}

Result<CreatedTrack> TrackService::CreateNow(const std::string& user_id, const SpeechRequest& request,
                                             const std::optional<std::string>& tts_request_id) {
  CHORUS_ASSIGN_OR_RETURN(SpeechPlan plan, PlanSpeech(request, engine_, settings_));
  const std::string cache_key = CacheKey(plan, request.voice);
  store::Database& db = db_.database();
  CHORUS_ASSIGN_OR_RETURN(auto cached, store::Transact(db, store::Access::kRead, [&](Connection& c) {
                            return store::audio_tracks::FindByCacheKey(c, user_id, cache_key);
                          }));
  const std::string settings = SettingsJson(plan);
  // The tts_requests row: the queued one, or a new one for a synchronous request.
  auto request_row = [&](Connection& c) -> Result<std::string> {
    if (tts_request_id) return *tts_request_id;
    CHORUS_ASSIGN_OR_RETURN(auto tts, store::tts_requests::Create(c, user_id, {.input_text = plan.input,
                                                                               .voice = request.voice,
                                                                               .model = plan.model}));
    return tts.id;
  };
  if (cached) {
    cache_hits_.Add();
    return store::Transact(db, store::Access::kWrite, [&](Connection& c) -> Result<CreatedTrack> {
      CHORUS_ASSIGN_OR_RETURN(std::string tts_id, request_row(c));
      CHORUS_TRY(store::tts_requests::Complete(c, tts_id, cached->duration, cached->url));
      CHORUS_TRY(store::audio_generation_history::Record(c, user_id, cached->id, request.voice, plan.model, settings,
                                                         "completed", std::nullopt));
      // A request answered from the cache synthesised nothing: it counts, and costs nothing.
      CHORUS_TRY(MeterSpeech(c, settings_, user_id, plan.model, 0, 0));
      return CreatedTrack{*cached, tts_id, true};
    });
  }
  cache_misses_.Add();
  CHORUS_ASSIGN_OR_RETURN(TimedSpeech timed, SynthesizeTimed(plan));
  CHORUS_ASSIGN_OR_RETURN(std::string storage_key, blobs_.Put(timed.audio));
  const std::string id = NewUuidV7();
  const auto& a = timed.alignment;
  const std::string characters = json::serialize(ArrayOf(a.characters, [](const std::string& s) { return json::value(s); }));
  const std::string starts = json::serialize(ArrayOf(a.start_times, [](double d) { return json::value(d); }));
  const std::string ends = json::serialize(ArrayOf(a.end_times, [](double d) { return json::value(d); }));
  const std::string metadata = json::serialize(json::object{{"voice", request.voice}, {"model", plan.model}});
  return store::Transact(db, store::Access::kWrite, [&](Connection& c) -> Result<CreatedTrack> {
    CreatedTrack out;
    CHORUS_ASSIGN_OR_RETURN(out.tts_request_id, request_row(c));
    store::NewTrack track{.id = id,
                          .url = fmt::format("{}/api/v1/tracks/{}/audio", public_url_, id),
                          .text = plan.input,
                          .duration = timed.duration_seconds,
                          .storage_key = storage_key,
                          .content_type = timed.content_type,
                          .byte_size = static_cast<int64_t>(timed.audio.size()),
                          .cache_key = cache_key,
                          .metadata = metadata};
    CHORUS_ASSIGN_OR_RETURN(out.track, store::audio_tracks::Create(c, user_id, track));
    CHORUS_TRY(store::audio_alignments::Put(c, id, characters, starts, ends));
    CHORUS_TRY(store::tts_requests::Complete(c, out.tts_request_id, timed.duration_seconds, out.track.url));
    CHORUS_TRY(store::audio_generation_history::Record(c, user_id, id, request.voice, plan.model, settings,
                                                       "completed", std::nullopt));
    CHORUS_TRY(MeterSpeech(c, settings_, user_id, plan.model, SpeechCharacters(plan.input), timed.duration_seconds));
    return out;
  });
}

// The "speech" job kind: a queued POST /api/v1/speech.
class TrackService::Job final : public jobs::JobHandler {
 public:
  explicit Job(TrackService& tracks) : tracks_(tracks) {}

  Result<std::string> Run(jobs::JobContext& context) override {
    const store::Job& job = context.job();
    boost::system::error_code ec;
    const json::value payload = json::parse(job.payload.value_or("{}"), ec);
    if (ec || !payload.is_object()) return Unexpected(ErrorCode::kInvalidArgument, "The job's request is not JSON.");
    const json::object& o = payload.as_object();
    auto text = [&o](std::string_view key) {
      const json::value* v = o.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    SpeechRequest request{.model = text("model"), .input = text("input"), .voice = text("voice"),
                          .response_format = text("response_format")};
    if (const json::value* speed = o.if_contains("speed"); speed != nullptr && speed->is_number()) {
      request.speed = speed->to_number<double>();
    }
    CHORUS_ASSIGN_OR_RETURN(CreatedTrack made,
                            tracks_.CreateNow(job.user_id.value_or(""), request, job.subject_id.value_or("")));
    return json::serialize(json::object{{"track_id", made.track.id},
                                        {"url", made.track.url},
                                        {"tts_request_id", made.tts_request_id},
                                        {"cached", made.cached}});
  }

  Status OnFinished(Connection& conn, const store::Job& job, const jobs::JobOutcome& outcome) override {
    if (outcome.status == "completed") return Ok();
    auto failed = store::tts_requests::Fail(conn, job.subject_id.value_or(""),
                                            outcome.status == "cancelled" ? "cancelled" : outcome.error);
    // Already finished or gone: nothing left to follow the job.
    if (!failed && failed.error().code != ErrorCode::kConflict && failed.error().code != ErrorCode::kNotFound) {
      return Unexpected(std::move(failed).error());
    }
    return Ok();
  }

 private:
  TrackService& tracks_;
};

TrackService::TrackService(store::AsyncDb& db, BlockingPool& blocking, storage::BlobStore& blobs,
                           engines::TtsEngine& engine, std::string public_url, const TtsSettings& settings,
                           JobService& jobs)
    : db_(db),
      blocking_(blocking),
      blobs_(blobs),
      engine_(engine),
      public_url_(std::move(public_url)),
      settings_(settings),
      jobs_(jobs),
      job_(std::make_unique<Job>(*this)) {}

TrackService::~TrackService() = default;

jobs::JobHandler& TrackService::job_handler() { return *job_; }

Task<Result<QueuedSpeech>> TrackService::Submit(const Caller& caller, SpeechRequest request,
                                                std::optional<std::string> callback_url) {
  // Checked now, so that a bad request is a 400 with nothing queued.
  auto plan = co_await blocking_.Run([&] { return PlanSpeech(request, engine_, settings_); });
  if (!plan) co_return Unexpected(std::move(plan).error());
  if (callback_url) {
    Status checked = co_await jobs_.CheckCallbackUrl(*callback_url);
    if (!checked) co_return Unexpected(std::move(checked).error());
  }
  const json::object payload{{"model", request.model},
                             {"input", request.input},
                             {"voice", request.voice},
                             {"response_format", request.response_format},
                             {"speed", request.speed}};
  auto queued = co_await db_.Write([&](Connection& c) -> Result<QueuedSpeech> {
    CHORUS_ASSIGN_OR_RETURN(auto tts, store::tts_requests::Create(c, caller.user_id, {.input_text = plan->input,
                                                                                      .voice = request.voice,
                                                                                      .model = plan->model}));
    const store::NewJob job{.kind = kSpeechJobKind,
                            .user_id = caller.user_id,
                            .subject_type = "tts_request",
                            .subject_id = tts.id,
                            .payload = json::serialize(payload),
                            .max_attempts = 3,
                            .callback_url = callback_url};
    CHORUS_ASSIGN_OR_RETURN(store::Job made, store::jobs::Enqueue(c, job));
    return QueuedSpeech{std::move(made), tts.id};
  });
  if (queued) jobs_.NotifyEnqueued();
  co_return queued;
}

Task<Result<store::AudioTrack>> TrackService::Get(const Caller& caller, std::string id) {
  co_return co_await db_.Read([&](Connection& c) { return store::audio_tracks::Get(c, caller.user_id, id); });
}

Task<Result<store::Page<store::AudioTrack>>> TrackService::List(const Caller& caller, store::PageRequest page) {
  co_return co_await db_.Read([&](Connection& c) { return store::audio_tracks::List(c, caller.user_id, page); });
}

Task<Result<store::AudioAlignment>> TrackService::Alignment(const Caller& caller, std::string id) {
  co_return co_await db_.Read([&](Connection& c) -> Result<store::AudioAlignment> {
    CHORUS_TRY(store::audio_tracks::Get(c, caller.user_id, id));
    return store::audio_alignments::Get(c, id);
  });
}

Task<Result<TrackAudio>> TrackService::Audio(const Caller& caller, std::string id, std::optional<ByteRange> range) {
  auto track = co_await Get(caller, std::move(id));
  if (!track) co_return Unexpected(std::move(track).error());
  if (!track->storage_key) co_return Unexpected(ErrorCode::kNotFound, "This track has no stored audio.");
  auto read = [this, key = *track->storage_key, range]() -> Result<TrackAudio> {
    TrackAudio out;
    CHORUS_ASSIGN_OR_RETURN(out.total_size, blobs_.Size(key));
    uint64_t first = 0, last = out.total_size ? out.total_size - 1 : 0;
    if (range) {
      auto resolved = Resolve(*range, out.total_size);
      if (!resolved) {
        out.unsatisfiable = true;
        return out;
      }
      std::tie(first, last) = *resolved;
      out.partial = true;
    }
    out.first = first;
    CHORUS_ASSIGN_OR_RETURN(out.bytes, blobs_.Read(key, first, out.total_size ? last - first + 1 : 0));
    return out;
  };
  auto audio = co_await blocking_.Run(std::move(read));
  if (audio) audio->content_type = track->content_type.value_or("application/octet-stream");
  co_return audio;
}

Task<Status> TrackService::Delete(const Caller& caller, std::string id) {
  auto deleted = co_await db_.Write([&](Connection& c) -> Result<std::optional<std::string>> {
    CHORUS_ASSIGN_OR_RETURN(auto key, store::audio_tracks::Delete(c, caller.user_id, id));
    if (!key) return std::optional<std::string>();
    CHORUS_ASSIGN_OR_RETURN(int64_t users, store::audio_tracks::CountByStorageKey(c, *key));
    return users == 0 ? key : std::optional<std::string>();
  });
  if (!deleted) co_return Unexpected(std::move(deleted).error());
  if (*deleted) {
    auto remove = [this, key = **deleted] { return blobs_.Remove(key); };
    (void)co_await blocking_.Run(std::move(remove));  // an orphaned blob is only space, never data loss
  }
  co_return Ok();
}

void TrackService::RenderMetrics(std::string& out) const {
  metrics::AppendHeader(out, "chorus_tts_cache_total", "counter",
                        "POST /api/v1/speech answered from a stored identical track (hit) or synthesised (miss).");
  fmt::format_to(std::back_inserter(out), "chorus_tts_cache_total{{result=\"hit\"}} {}\n", cache_hits_.Value());
  fmt::format_to(std::back_inserter(out), "chorus_tts_cache_total{{result=\"miss\"}} {}\n", cache_misses_.Value());
}

}  // namespace chorus::services
