// Stored speech (seed 004 audio_tracks, audio_alignments, audio_generation_history; seed 000
// tts_requests): POST /api/v1/speech synthesises once, keeps the audio in the blob store under its
// SHA-256 and the timings beside it; an identical request (text, voice, model, settings, format)
// from the same user reuses the stored track instead of synthesising again.
#pragma once

#include <optional>
#include <string>

#include "base/async.h"
#include "base/metrics.h"
#include "services/caller.h"
#include "services/speech_service.h"
#include "storage/blob_store.h"
#include "store/async_db.h"
#include "store/page.h"
#include "store/speech.h"

namespace chorus::services {

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
               std::string public_url, const TtsSettings& settings)
      : db_(db),
        blocking_(blocking),
        blobs_(blobs),
        engine_(engine),
        public_url_(std::move(public_url)),
        settings_(settings) {}

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
  const std::string public_url_;
  const TtsSettings& settings_;
  metrics::Counter cache_hits_;
  metrics::Counter cache_misses_;
};

}  // namespace chorus::services
