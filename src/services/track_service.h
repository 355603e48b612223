// Stored speech (seed 004 audio_tracks, audio_alignments, audio_generation_history; seed 000
// tts_requests): POST /api/v1/speech synthesises once, keeps the audio in the blob store under its
// SHA-256 and the timings beside it; an identical request (text, voice, model, settings, format)
// from the same user reuses the stored track instead of synthesising again.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/async.h"
#include "base/metrics.h"
#include "services/caller.h"
#include "jobs/handler.h"
#include "services/job_service.h"
#include "services/speech_service.h"
#include "storage/blob_store.h"
#include "store/async_db.h"
#include "store/page.h"
#include "store/speech.h"

namespace chorus::services {

inline constexpr const char* kSpeechJobKind = "speech";

struct QueuedSpeech {
  store::Job job;
  std::string tts_request_id;
};

struct CreatedTrack {
  store::AudioTrack track;
  std::string tts_request_id;
  bool cached = false;
};

// A byte range of a track's audio ([first, last] inclusive), as HTTP Range asks for it.
struct ByteRange {
  uint64_t first = 0;
  std::optional<uint64_t> last;    // unset: to the end
  std::optional<uint64_t> suffix;  // "bytes=-N": the last N bytes
};

struct TrackAudio {
  std::string bytes;
  std::string content_type;
  uint64_t total_size = 0;
  uint64_t first = 0;  // offset of `bytes` in the whole
  bool partial = false;
  bool unsatisfiable = false;  // the range lies outside the audio (HTTP 416); `bytes` is empty
};

class TrackService {
 public:
  TrackService(store::AsyncDb& db, BlockingPool& blocking, storage::BlobStore& blobs, engines::TtsEngine& engine,
               std::string public_url, const TtsSettings& settings, JobService& jobs);
  ~TrackService();

  // Queues the request as a "speech" job (its tts_requests row pending) and returns at once; the
  // job's result names the track, and a callback_url gets the webhook. The request is checked first:
  // kInvalidArgument with param, nothing queued.
  Task<Result<QueuedSpeech>> Submit(const Caller& caller, SpeechRequest request, std::optional<std::string> callback_url);
  jobs::JobHandler& job_handler();

  Task<Result<CreatedTrack>> Create(const Caller& caller, SpeechRequest request);
  Task<Result<store::AudioTrack>> Get(const Caller& caller, std::string id);
  Task<Result<store::Page<store::AudioTrack>>> List(const Caller& caller, store::PageRequest page);
  Task<Result<store::AudioAlignment>> Alignment(const Caller& caller, std::string id);
  Task<Result<TrackAudio>> Audio(const Caller& caller, std::string id, std::optional<ByteRange> range);
  // Deletes the track (its alignment and history by cascade) and its blob when no track uses it.
  Task<Status> Delete(const Caller& caller, std::string id);

  void RenderMetrics(std::string& out) const;

 private:
  static std::string CacheKey(const SpeechPlan& plan, std::string_view voice_name);

  store::AsyncDb& db_;
  BlockingPool& blocking_;
  storage::BlobStore& blobs_;
  engines::TtsEngine& engine_;
  class Job;
  // The whole of Create, blocking: plan, cache, synthesis, blob and rows. With `tts_request_id` (a
  // queued request) that row is completed instead of a new one being made.
  Result<CreatedTrack> CreateNow(const std::string& user_id, const SpeechRequest& request,
                                 const std::optional<std::string>& tts_request_id);

  const std::string public_url_;
  const TtsSettings& settings_;
  JobService& jobs_;
  std::unique_ptr<Job> job_;
  metrics::Counter cache_hits_;
  metrics::Counter cache_misses_;
};

}  // namespace chorus::services
