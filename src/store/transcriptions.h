// Transcriptions (seed 000): speech-to-text jobs and their results, per user, with full-text search
// over what was said. Status flow: pending -> processing -> completed | failed.
//
// User-facing functions take the user id. The worker-side functions (MarkProcessing, Complete,
// Fail) address a row by id alone: they run for the job system, which got the id from a job it
// owns, never from a request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct Transcription {
  std::string id;
  std::string user_id;
  std::optional<std::string> audio_url;
  std::optional<std::string> transcript_text;
  std::optional<std::string> language;
  std::string status = "pending";
  std::optional<double> duration;
  std::optional<std::string> model;
  std::optional<double> confidence;
  std::optional<std::string> error_message;
  std::string metadata = "{}";
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> completed_at;
};

struct NewTranscription {
  std::optional<std::string> audio_url;
  std::optional<std::string> language;
  std::optional<std::string> model;
  std::string metadata = "{}";
};

struct TranscriptionResult {
  std::string transcript_text;
  std::optional<std::string> language;
  double duration = 0;
  std::optional<double> confidence;
  std::optional<std::string> metadata;  // replaces the metadata when set
};

struct TranscriptionFilter {
  std::optional<std::string> status;
  std::optional<std::string> language;
  std::optional<std::string> created_from;  // inclusive, timestamp
  std::optional<std::string> created_to;    // exclusive, timestamp
};

struct TranscriptHit {
  std::string id;
  std::string snippet;  // the matching passage, terms wrapped in <mark>…</mark>
  double rank = 0;      // higher is better
  std::string created_at;
  // The row's metadata JSON (its segments say where the match is heard). Filled by Search, the
  // owner's search; SearchAll leaves it empty.
  std::string metadata;
};

namespace transcriptions {

Result<Transcription> Create(Connection& conn, std::string_view user_id, const NewTranscription& t);
// kNotFound when it is not the user's.
Result<Transcription> Get(Connection& conn, std::string_view user_id, std::string_view id);
Result<Page<Transcription>> List(Connection& conn, std::string_view user_id, const TranscriptionFilter& filter,
                                 const PageRequest& page);
// Returns the deleted row's audio_url (to release stored audio). kNotFound when it is not the user's.
Result<std::optional<std::string>> Delete(Connection& conn, std::string_view user_id, std::string_view id);
// How many transcriptions still name this audio_url (stored audio is shared by equal uploads).
Result<int64_t> CountByAudioUrl(Connection& conn, std::string_view audio_url);

// Worker side. kNotFound; kConflict when the row is not in a state that allows the step.
Result<Transcription> GetById(Connection& conn, std::string_view id);
Status MarkProcessing(Connection& conn, std::string_view id);
Status Complete(Connection& conn, std::string_view id, const TranscriptionResult& result, std::string_view now);
Status Fail(Connection& conn, std::string_view id, std::string_view error_message, std::string_view now);

// Ranked full-text search over the user's transcripts (English stemming on both backends). The
// query is plain words; operators and punctuation are not interpreted. At most `limit` hits.
Result<std::vector<TranscriptHit>> Search(Connection& conn, std::string_view user_id, std::string_view query,
                                          int limit);

// How many of the most recent matches SearchAll ranks.
inline constexpr int kSearchAllCandidates = 2000;

// Ranked full-text search over every user's transcripts (administration, shared corpora). It ranks
// the kSearchAllCandidates most recent matches, not all of them: a word found in a large share of a
// big corpus would otherwise be scored in every document that has it; more words narrow the matches
// and reach further back. (docs/schema.md, transcriptions.)
// `candidates` is for tests.
Result<std::vector<TranscriptHit>> SearchAll(Connection& conn, std::string_view query, int limit,
                                             int candidates = kSearchAllCandidates);

}  // namespace transcriptions
}  // namespace chorus::store
