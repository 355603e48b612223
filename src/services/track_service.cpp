#include "services/track_service.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include "base/digest.h"
#include "base/ids.h"
#include "base/strings.h"
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
  auto plan = PlanSpeech(request, engine_, settings_);
  if (!plan) co_return Unexpected(std::move(plan).error());
  const std::string cache_key = CacheKey(*plan, request.voice);
  auto cached = co_await db_.Read([&](Connection& c) -> Result<std::optional<store::AudioTrack>> {
    return store::audio_tracks::FindByCacheKey(c, caller.user_id, cache_key);
  });
  if (!cached) co_return Unexpected(std::move(cached).error());
  const std::string settings = SettingsJson(*plan);
  if (*cached) {
    cache_hits_.Add();
    auto logged = co_await db_.Write([&](Connection& c) -> Result<std::string> {
      CHORUS_ASSIGN_OR_RETURN(auto tts, store::tts_requests::Create(c, caller.user_id,
                                                                    {.input_text = plan->input, .voice = request.voice,
                                                                     .model = plan->model}));
      CHORUS_TRY(store::tts_requests::Complete(c, tts.id, (*cached)->duration, (*cached)->url));
      CHORUS_TRY(store::audio_generation_history::Record(c, caller.user_id, (*cached)->id, request.voice, plan->model,
                                                         settings, "completed", std::nullopt));
      // A request answered from the cache synthesised nothing: it counts, and costs nothing.
      CHORUS_TRY(MeterSpeech(c, settings_, caller.user_id, plan->model, 0, 0));
      return tts.id;
    });
    if (!logged) co_return Unexpected(std::move(logged).error());
    co_return CreatedTrack{std::move(**cached), std::move(*logged), true};
  }
  cache_misses_.Add();
  auto work = [this, &plan]() -> Result<std::pair<TimedSpeech, std::string>> {
    CHORUS_ASSIGN_OR_RETURN(auto timed, SynthesizeTimed(engine_, *plan));
    CHORUS_ASSIGN_OR_RETURN(auto key, blobs_.Put(timed.audio));
    return std::make_pair(std::move(timed), std::move(key));
  };
  auto made = co_await blocking_.Run(std::move(work));
  if (!made) co_return Unexpected(std::move(made).error());
  auto& [timed, storage_key] = *made;
  const std::string id = NewUuidV7();
  const auto& a = timed.alignment;
  const std::string characters = json::serialize(ArrayOf(a.characters, [](const std::string& s) { return json::value(s); }));
  const std::string starts = json::serialize(ArrayOf(a.start_times, [](double d) { return json::value(d); }));
  const std::string ends = json::serialize(ArrayOf(a.end_times, [](double d) { return json::value(d); }));
  const std::string metadata = json::serialize(json::object{{"voice", request.voice}, {"model", plan->model}});
  auto stored = co_await db_.Write([&](Connection& c) -> Result<CreatedTrack> {
    CreatedTrack out;
    CHORUS_ASSIGN_OR_RETURN(auto tts, store::tts_requests::Create(c, caller.user_id,
                                                                  {.input_text = plan->input, .voice = request.voice,
                                                                   .model = plan->model}));
    store::NewTrack track{.id = id,
                          .url = fmt::format("{}/api/v1/tracks/{}/audio", public_url_, id),
                          .text = plan->input,
                          .duration = timed.duration_seconds,
                          .storage_key = storage_key,
                          .content_type = timed.content_type,
                          .byte_size = static_cast<int64_t>(timed.audio.size()),
                          .cache_key = cache_key,
                          .metadata = metadata};
    CHORUS_ASSIGN_OR_RETURN(out.track, store::audio_tracks::Create(c, caller.user_id, track));
    CHORUS_TRY(store::audio_alignments::Put(c, id, characters, starts, ends));
    CHORUS_TRY(store::tts_requests::Complete(c, tts.id, timed.duration_seconds, out.track.url));
    CHORUS_TRY(store::audio_generation_history::Record(c, caller.user_id, id, request.voice, plan->model, settings,
                                                       "completed", std::nullopt));
    CHORUS_TRY(MeterSpeech(c, settings_, caller.user_id, plan->model, SpeechCharacters(plan->input),
                           timed.duration_seconds));
    out.tts_request_id = tts.id;
    return out;
  });
  co_return stored;
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
