// Speech-to-text (seed 000 `transcriptions`): synchronous recognition for the OpenAI-compatible
// endpoint, durable asynchronous jobs for the native API, the caller's transcripts, and search over
// what was said.
//
// Every path decodes the audio with media::AudioDecoder (format from the bytes, an allowlist of
// containers, the length limit enforced on decoded samples) and hands the PCM to an SttEngine chunk
// by chunk, so memory stays flat however long the audio is. Recognition runs on a pool of its own,
// as wide as the engine has decoders, never on a network or database thread.
//
// Jobs: Submit stores the audio in the blob store (content-addressed; the row's audio_url is
// "blob:<key>") or keeps the caller's audio_url, then creates the row (pending) and a
// "transcription" job in one transaction. The worker marks the row processing when it claims the
// job, recognises, and completes or fails the row in the transaction that finishes the job (which
// also meters usage and, with a callback_url, queues the webhook). A crash in between leaves the
// job to be claimed again when its lease runs out.
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/async.h"
#include "engines/stt_engine.h"
#include "http/client/client.h"
#include "jobs/handler.h"
#include "media/audio_decoder.h"
#include "services/caller.h"
#include "services/job_service.h"
#include "services/price_table.h"
#include "storage/blob_store.h"
#include "store/async_db.h"
#include "store/page.h"
#include "store/transcriptions.h"

namespace chorus::services {

inline constexpr const char* kTranscriptionJobKind = "transcription";
inline constexpr const char* kLocalSttModel = "pocketsphinx-en-us";

// The speech-to-text models offered: a name -> its engine (the local PocketSphinx one, and those of
// providers' transcription_models).
struct SttModels {
  std::map<std::string, engines::SttEngine*, std::less<>> engines;
  std::string default_model = kLocalSttModel;  // what "whisper-1" and a request without a model get

  // The canonical model for a requested name. kInvalidArgument (param "model") for an unknown one.
  Result<std::string> Resolve(std::string_view requested) const;
  // Checks the model and the language for it. kInvalidArgument with param "model" or "language".
  Status Check(std::string_view model, std::string_view language) const;
};

struct SttSettings {
  double max_seconds = 4 * 3600;
  PriceTable price_per_minute;  // by canonical model name (config stt.prices)
};

// The audio a request carries.
struct AudioInput {
  media::AudioSource source;
  std::shared_ptr<const void> owner;  // keeps the source's bytes or file alive while it is read
  std::string filename;               // the client's name for it: metadata only, never a path
};

struct TranscribeOptions {
  std::string model;     // empty: the default engine; "whisper-1" is its alias
  std::string language;  // empty: the engine's own
  std::string prompt;
};

struct TranscriptionOutcome {
  store::Transcription row;
  engines::Transcript transcript;
};

struct TranscriptSearchHit {
  store::TranscriptHit hit;
  double start = 0;  // where the segment holding the first matched word starts, in seconds
};

// Decodes `source` and recognises it: the blocking core of every path (the API, the job, the CLI).
// Errors: the decoder's (param "file") and the engine's.
Result<engines::Transcript> RecognizeAudio(engines::SttEngine& engine, const media::AudioSource& source,
                                           double max_seconds, const TranscribeOptions& options,
                                           const engines::ProgressSink& progress = {});

class TranscriptionService {
 public:
  TranscriptionService(SttModels models, BlockingPool& pool, store::AsyncDb& db, storage::BlobStore& blobs,
                       const http::client::Client& fetcher, JobService& jobs, SttSettings settings);
  ~TranscriptionService();

  const SttModels& models() const { return models_; }

  // Recognises now. The result is stored as a completed transcription of the caller's and metered.
  Task<Result<TranscriptionOutcome>> Transcribe(const Caller& caller, AudioInput audio, TranscribeOptions options);

  // Queues a transcription of `audio` or, when it is null, of `audio_url` (checked by the URL guard
  // now and fetched through it by the worker). The audio is opened first, so input that is not
  // audio is refused here with nothing stored. Errors: kInvalidArgument/kUnsupportedMedia (param
  // "file"), kInvalidArgument/kPermissionDenied (param "audio_url" or "callback_url").
  Task<Result<store::Transcription>> Submit(const Caller& caller, std::optional<AudioInput> audio,
                                            std::optional<std::string> audio_url, TranscribeOptions options,
                                            std::optional<std::string> callback_url);

  Task<Result<store::Transcription>> Get(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Transcription>>> List(const Caller& caller, store::TranscriptionFilter filter,
                                                       store::PageRequest page);
  // Deletes the row and, when no other transcription uses it, its stored audio.
  Task<Status> Delete(const Caller& caller, std::string id);
  // Ranked hits over the caller's transcripts with the start time of the matching segment.
  // kInvalidArgument (param "q") for an empty query.
  Task<Result<std::vector<TranscriptSearchHit>>> Search(const Caller& caller, std::string query, int limit);

  // The transcript of a completed row, with its stored segments.
  static engines::Transcript TranscriptOf(const store::Transcription& row);

  jobs::JobHandler& job_handler();

 private:
  class Job;
  Result<std::string> StoreAudio(const AudioInput& audio);
  Result<engines::Transcript> RunJob(jobs::JobContext& context);
  Status FinishJob(store::Connection& conn, const store::Job& job, const jobs::JobOutcome& outcome);
  Status Meter(store::Connection& conn, const std::string& user_id, const std::string& model, double seconds);

  // The engine of a model that Resolve returned.
  engines::SttEngine& EngineFor(const std::string& model) const { return *models_.engines.at(model); }

  const SttModels models_;
  BlockingPool& pool_;
  store::AsyncDb& db_;
  storage::BlobStore& blobs_;
  const http::client::Client& fetcher_;
  JobService& jobs_;
  const SttSettings settings_;
  std::unique_ptr<Job> job_;
};

}  // namespace chorus::services
