#include "store/speech.h"

#include <fmt/format.h>

#include <cctype>

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"

namespace chorus::store {
namespace {

constexpr const char* kTrackColumns =
    "id, user_id, url, text, duration, storage_key, content_type, byte_size, cache_key, metadata, created_at, "
    "updated_at";

constexpr const char* kTtsColumns =
    "id, user_id, input_text, audio_url, voice, language, status, duration, model, error_message, metadata, "
    "created_at, updated_at, completed_at";

AudioTrack TrackFromRow(Row r) {
  AudioTrack t;
  t.id = r.Text(0);
  t.user_id = r.Text(1);
  t.url = r.Text(2);
  t.text = r.Text(3);
  t.duration = r.Double(4);
  t.storage_key = r.OptText(5);
  t.content_type = r.OptText(6);
  t.byte_size = r.OptInt(7);
  t.cache_key = r.OptText(8);
  t.metadata = r.Text(9);
  t.created_at = r.Text(10);
  t.updated_at = r.Text(11);
  return t;
}

TtsRequest TtsFromRow(Row r) {
  TtsRequest t;
  t.id = r.Text(0);
  t.user_id = r.Text(1);
  t.input_text = r.Text(2);
  t.audio_url = r.OptText(3);
  t.voice = r.OptText(4);
  t.language = r.OptText(5);
  t.status = r.Text(6);
  t.duration = r.OptDouble(7);
  t.model = r.OptText(8);
  t.error_message = r.OptText(9);
  t.metadata = r.Text(10);
  t.created_at = r.Text(11);
  t.updated_at = r.Text(12);
  t.completed_at = r.OptText(13);
  return t;
}

Unexpected TrackNotFound() { return Unexpected(ErrorCode::kNotFound, "Audio track not found."); }
Unexpected TtsNotFound() { return Unexpected(ErrorCode::kNotFound, "TTS request not found."); }
Unexpected AlignmentNotFound() { return Unexpected(ErrorCode::kNotFound, "Audio alignment not found."); }

// SQLite keeps the arrays as JSON text; PostgreSQL as typed arrays, built from the JSON in element
// order (a JSON value that is not an array is a data exception there: kInvalidArgument).
constexpr const char* kPgCharacters =
    "ARRAY(SELECT t.e FROM jsonb_array_elements_text({}::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY t.n)";
constexpr const char* kPgTimes =
    "ARRAY(SELECT t.e::double precision FROM jsonb_array_elements_text({}::jsonb) WITH ORDINALITY AS t(e, n) "
    "ORDER BY t.n)";

// The three alignment values of a statement whose parameters $2, $3, $4 hold the JSON arrays.
struct AlignmentValues {
  std::string characters, starts, ends;
};
AlignmentValues AlignmentSql(Dialect dialect) {
  if (dialect == Dialect::kSqlite) return {"$2", "$3", "$4"};
  return {fmt::format(fmt::runtime(kPgCharacters), "$2"), fmt::format(fmt::runtime(kPgTimes), "$3"),
          fmt::format(fmt::runtime(kPgTimes), "$4")};
}

}  // namespace

namespace audio_tracks {

Result<AudioTrack> Create(Connection& conn, std::string_view user_id, const NewTrack& t) {
  if (!t.id.empty() && !IsUuid(t.id)) return Unexpected(ErrorCode::kInvalidArgument, "Not a track id.", "id");
  if (!IsUuid(user_id)) return Unexpected(ErrorCode::kFailedPrecondition, "User not found.");
  // Lower case, as PostgreSQL's uuid prints it, so that both backends store the same id.
  std::string id = t.id.empty() ? NewUuidV7() : t.id;
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("INSERT INTO audio_tracks (id, user_id, url, text, duration, storage_key, content_type, "
                            "byte_size, cache_key, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                            "RETURNING {}",
                            kTrackColumns),
                id, user_id, t.url, t.text, t.duration, t.storage_key,
                t.content_type, t.byte_size, t.cache_key, t.metadata));
  return TrackFromRow(rows[0]);
}

Result<AudioTrack> Get(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return TrackNotFound();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("SELECT {} FROM audio_tracks WHERE id = $1 AND user_id = $2", kTrackColumns), id,
                user_id));
  if (rows.empty()) return TrackNotFound();
  return TrackFromRow(rows[0]);
}

Result<Page<AudioTrack>> List(Connection& conn, std::string_view user_id, const PageRequest& page) {
  if (!IsUuid(user_id)) return Page<AudioTrack>{};
  Query q(fmt::format("SELECT {} FROM audio_tracks WHERE ", kTrackColumns));
  q.Add("user_id = ?", {user_id});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<AudioTrack> items;
  for (Row r : rows) items.push_back(TrackFromRow(r));
  return MakePage(std::move(items), limit, [](const AudioTrack& t) { return Cursor{t.created_at, t.id}; });
}

Result<std::optional<AudioTrack>> FindByCacheKey(Connection& conn, std::string_view user_id,
                                                 std::string_view cache_key) {
  if (!IsUuid(user_id)) return std::optional<AudioTrack>();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM audio_tracks WHERE user_id = $1 AND cache_key = $2 "
                                       "ORDER BY created_at DESC, id DESC LIMIT 1",
                                       kTrackColumns),
                           user_id, cache_key));
  if (rows.empty()) return std::optional<AudioTrack>();
  return std::optional<AudioTrack>(TrackFromRow(rows[0]));
}

Result<std::optional<std::string>> Delete(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return TrackNotFound();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec("DELETE FROM audio_tracks WHERE id = $1 AND user_id = $2 RETURNING storage_key", id, user_id));
  if (rows.empty()) return TrackNotFound();
  return rows[0].OptText(0);
}

Result<int64_t> CountByStorageKey(Connection& conn, std::string_view storage_key) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows,
                          conn.Exec("SELECT count(*) FROM audio_tracks WHERE storage_key = $1", storage_key));
  return rows[0].Int(0);
}

}  // namespace audio_tracks

namespace audio_alignments {

Status Put(Connection& conn, std::string_view track_id, std::string_view characters_json,
           std::string_view starts_json, std::string_view ends_json) {
  if (!IsUuid(track_id)) return Unexpected(ErrorCode::kFailedPrecondition, "Audio track not found.");
  const AlignmentValues v = AlignmentSql(conn.dialect());
  CHORUS_ASSIGN_OR_RETURN(
      Rows updated,
      conn.Exec(fmt::format("UPDATE audio_alignments SET characters = {}, start_times = {}, end_times = {} "
                            "WHERE track_id = $1",
                            v.characters, v.starts, v.ends),
                track_id, characters_json, starts_json, ends_json));
  if (updated.affected() > 0) return Ok();
  CHORUS_TRY(conn.Exec(fmt::format("INSERT INTO audio_alignments (track_id, characters, start_times, end_times, id) "
                                   "VALUES ($1, {}, {}, {}, $5)",
                                   v.characters, v.starts, v.ends),
                       track_id, characters_json, starts_json, ends_json, NewUuidV7()));
  return Ok();
}

Result<AudioAlignment> Get(Connection& conn, std::string_view track_id) {
  if (!IsUuid(track_id)) return AlignmentNotFound();
  const char* columns = conn.dialect() == Dialect::kSqlite
                            ? "json(characters), json(start_times), json(end_times)"
                            : "array_to_json(characters)::text, array_to_json(start_times)::text, "
                              "array_to_json(end_times)::text";
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM audio_alignments WHERE track_id = $1 "
                                       "ORDER BY created_at DESC, id DESC LIMIT 1",
                                       columns),
                           track_id));
  if (rows.empty()) return AlignmentNotFound();
  return AudioAlignment{rows[0].Text(0), rows[0].Text(1), rows[0].Text(2)};
}

}  // namespace audio_alignments

namespace tts_requests {
namespace {

// Finishes a pending or processing request; explains a change that matched nothing.
Result<TtsRequest> Finish(Connection& conn, std::string_view id, Query q, const char* step) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  if (!rows.empty()) return TtsFromRow(rows[0]);
  CHORUS_ASSIGN_OR_RETURN(Rows current, conn.Exec("SELECT status FROM tts_requests WHERE id = $1", id));
  if (current.empty()) return TtsNotFound();
  return Unexpected(ErrorCode::kConflict,
                    fmt::format("TTS request is {}; it cannot be {}.", current[0].Text(0), step));
}

}  // namespace

Result<TtsRequest> Create(Connection& conn, std::string_view user_id, const NewTtsRequest& r) {
  if (!IsUuid(user_id)) return Unexpected(ErrorCode::kFailedPrecondition, "User not found.");
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("INSERT INTO tts_requests (id, user_id, input_text, voice, language, model, "
                                       "metadata) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                                       kTtsColumns),
                           NewUuidV7(), user_id, r.input_text, r.voice, r.language, r.model, r.metadata));
  return TtsFromRow(rows[0]);
}

Result<TtsRequest> Get(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return TtsNotFound();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("SELECT {} FROM tts_requests WHERE id = $1 AND user_id = $2", kTtsColumns), id, user_id));
  if (rows.empty()) return TtsNotFound();
  return TtsFromRow(rows[0]);
}

// updated_at is set explicitly: SQLite's RETURNING does not see what its AFTER UPDATE trigger writes.
Result<TtsRequest> Complete(Connection& conn, std::string_view id, double duration, std::string_view audio_url) {
  if (!IsUuid(id)) return TtsNotFound();
  const std::string now = NowTimestamp();
  Query q("UPDATE tts_requests SET status = 'completed', error_message = NULL");
  q.Add(", duration = ?, audio_url = ?, completed_at = ?, updated_at = ?", {duration, audio_url, now, now});
  q.Add(fmt::format(" WHERE id = ? AND status IN ('pending', 'processing') RETURNING {}", kTtsColumns), {id});
  return Finish(conn, id, std::move(q), "completed");
}

Result<TtsRequest> Fail(Connection& conn, std::string_view id, std::string_view error) {
  if (!IsUuid(id)) return TtsNotFound();
  const std::string now = NowTimestamp();
  Query q("UPDATE tts_requests SET status = 'failed'");
  q.Add(", error_message = ?, completed_at = ?, updated_at = ?", {error, now, now});
  q.Add(fmt::format(" WHERE id = ? AND status IN ('pending', 'processing') RETURNING {}", kTtsColumns), {id});
  return Finish(conn, id, std::move(q), "failed");
}

}  // namespace tts_requests

namespace audio_generation_history {

Result<std::string> Record(Connection& conn, std::string_view user_id, const std::optional<std::string>& track_id,
                           std::string_view voice_id, std::string_view model_id, std::string_view settings_json,
                           std::string_view status, const std::optional<std::string>& error) {
  if (!IsUuid(user_id)) return Unexpected(ErrorCode::kFailedPrecondition, "User not found.");
  if (track_id && !IsUuid(*track_id)) return Unexpected(ErrorCode::kFailedPrecondition, "Audio track not found.");
  std::string id = NewUuidV7();
  CHORUS_TRY(conn.Exec("INSERT INTO audio_generation_history (id, user_id, track_id, voice_id, model_id, settings, "
                       "status, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                       id, user_id, track_id, voice_id, model_id, settings_json, status, error));
  return id;
}

}  // namespace audio_generation_history
}  // namespace chorus::store
