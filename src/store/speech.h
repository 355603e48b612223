// Speech synthesis (seed 000's tts_requests, seed 004's audio tracks, alignments and generation
// history, each with an owner; migration 0003).
//
// audio_tracks:: and the user-facing tts_requests:: functions take the user id and refuse another
// user's rows (kNotFound, like a missing one or a malformed id). audio_alignments:: addresses a track
// by id alone: the caller checks that the track is the user's with audio_tracks::Get first. The
// worker-side tts_requests::Complete/Fail address a request by id alone.
//
// A track's audio lives in a content-addressed blob store (storage/blob_store.h) under
// storage_key, the SHA-256 of its bytes; tracks with equal audio share one blob, so the caller
// removes the blob only when CountByStorageKey drops to zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct AudioTrack {
  std::string id;
  std::string user_id;
  std::string url;
  std::string text;
  double duration = 0;
  std::optional<std::string> storage_key;
  std::optional<std::string> content_type;
  std::optional<int64_t> byte_size;
  std::optional<std::string> cache_key;
  std::string metadata = "{}";
  std::string created_at;
  std::string updated_at;
};

struct NewTrack {
  std::string id;                            // a UUID chosen by the caller (it is in the url); empty: a new UUIDv7
  std::string url;                           // http:// or https://
  std::string text;
  double duration = 0;                       // > 0
  std::optional<std::string> storage_key;    // 64 characters
  std::optional<std::string> content_type;   // at most 100
  std::optional<int64_t> byte_size;          // >= 0
  std::optional<std::string> cache_key;      // 64 characters
  std::string metadata = "{}";               // a JSON object
};

// Per-character timings as JSON arrays of equal length: characters (strings), start and end times
// (seconds). Returned in compact form (no spaces).
struct AudioAlignment {
  std::string characters;
  std::string start_times;
  std::string end_times;
};

struct TtsRequest {
  std::string id;
  std::string user_id;
  std::string input_text;
  std::optional<std::string> audio_url;
  std::optional<std::string> voice;
  std::optional<std::string> language;
  std::string status;  // pending | processing | completed | failed
  std::optional<double> duration;
  std::optional<std::string> model;
  std::optional<std::string> error_message;
  std::string metadata = "{}";
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> completed_at;
};

struct NewTtsRequest {
  std::string input_text;
  std::optional<std::string> voice;     // at most 50 characters
  std::optional<std::string> language;  // at most 10
  std::optional<std::string> model;     // at most 50
  std::string metadata = "{}";          // a JSON value
};

namespace audio_tracks {

// kInvalidArgument for values the schema refuses (bad url, duration <= 0, key not 64 characters,
// metadata not a JSON object) and for an `id` that is not a UUID (param "id"); kAlreadyExists when
// the id is taken; kFailedPrecondition when the user does not exist.
Result<AudioTrack> Create(Connection& conn, std::string_view user_id, const NewTrack& t);
// kNotFound when it is not the user's (or `id` is not an id).
Result<AudioTrack> Get(Connection& conn, std::string_view user_id, std::string_view id);
// The user's tracks, newest first (keyset, store/page.h).
Result<Page<AudioTrack>> List(Connection& conn, std::string_view user_id, const PageRequest& page);
// The user's newest track made for `cache_key`, if any.
Result<std::optional<AudioTrack>> FindByCacheKey(Connection& conn, std::string_view user_id,
                                                 std::string_view cache_key);
// Deletes the track and, by cascade, its alignments and generation history. Returns its storage_key
// (nullopt when it had none). kNotFound when not the user's.
Result<std::optional<std::string>> Delete(Connection& conn, std::string_view user_id, std::string_view id);
// How many tracks (of any user) reference the blob.
Result<int64_t> CountByStorageKey(Connection& conn, std::string_view storage_key);

}  // namespace audio_tracks

namespace audio_alignments {

// Sets the track's alignment (replacing an earlier one). kFailedPrecondition when the track does not
// exist; kInvalidArgument when the arrays are not JSON arrays of equal length, or times are not
// ordered (each end >= its start, each start >= the one before).
Status Put(Connection& conn, std::string_view track_id, std::string_view characters_json,
           std::string_view starts_json, std::string_view ends_json);
// kNotFound when the track has no alignment.
Result<AudioAlignment> Get(Connection& conn, std::string_view track_id);

}  // namespace audio_alignments

namespace tts_requests {

// A pending request. kInvalidArgument for values the schema refuses; kFailedPrecondition when the
// user does not exist.
Result<TtsRequest> Create(Connection& conn, std::string_view user_id, const NewTtsRequest& r);
// kNotFound when it is not the user's (or `id` is not an id).
Result<TtsRequest> Get(Connection& conn, std::string_view user_id, std::string_view id);
// Worker side: pending|processing -> completed|failed, with completed_at set to now. kNotFound;
// kConflict when the request has already finished.
Result<TtsRequest> Complete(Connection& conn, std::string_view id, double duration, std::string_view audio_url);
Result<TtsRequest> Fail(Connection& conn, std::string_view id, std::string_view error);

}  // namespace tts_requests

namespace audio_generation_history {

// Records one generation attempt and returns its id. kInvalidArgument for an unknown status or
// settings that are not a JSON object; kFailedPrecondition when the user or track does not exist.
Result<std::string> Record(Connection& conn, std::string_view user_id, const std::optional<std::string>& track_id,
                           std::string_view voice_id, std::string_view model_id, std::string_view settings_json,
                           std::string_view status, const std::optional<std::string>& error = std::nullopt);

}  // namespace audio_generation_history
}  // namespace chorus::store
