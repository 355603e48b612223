#include "store/transcriptions.h"

#include <fmt/format.h>

#include <cctype>

#include "base/ids.h"
#include "store/query.h"

namespace chorus::store::transcriptions {
namespace {

constexpr const char* kColumns =
    "id, user_id, audio_url, transcript_text, language, status, duration, model, confidence, error_message, "
    "metadata, created_at, updated_at, completed_at";

Transcription FromRow(Row r) {
  Transcription t;
  t.id = r.Text(0);
  t.user_id = r.Text(1);
  t.audio_url = r.OptText(2);
  t.transcript_text = r.OptText(3);
  t.language = r.OptText(4);
  t.status = r.Text(5);
  t.duration = r.OptDouble(6);
  t.model = r.OptText(7);
  t.confidence = r.OptDouble(8);
  t.error_message = r.OptText(9);
  t.metadata = r.Text(10);
  t.created_at = r.Text(11);
  t.updated_at = r.Text(12);
  t.completed_at = r.OptText(13);
  return t;
}

Unexpected NotFound() { return Unexpected(ErrorCode::kNotFound, "Transcription not found."); }

Result<Transcription> One(Result<Rows> rows) {
  if (!rows) return Unexpected(std::move(rows).error());
  if (rows->empty()) return NotFound();
  return FromRow((*rows)[0]);
}

// Distinguishes "no such row" from "a row in the wrong state" after a guarded UPDATE changed nothing.
Status Explain(Connection& conn, std::string_view id, const char* step) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT status FROM transcriptions WHERE id = $1", id));
  if (rows.empty()) return NotFound();
  return Unexpected(ErrorCode::kConflict,
                    fmt::format("Transcription is {}; it cannot be {}.", rows[0].Text(0), step));
}

// Turns free text into a query each engine runs safely: words only, every word required.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && words.size() < 16) words.push_back(word);
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80 || c == '\'') word += static_cast<char>(c);
    else flush();
  }
  flush();
  return words;
}

// Every word is a quoted phrase restricted to the text column, and the owner's key restricts the
// rows inside the index (see migration 0003). Words hold no quotes (Words() keeps letters, digits
// and apostrophes only).
std::string Fts5Query(std::string_view user_id, const std::vector<std::string>& words) {
  std::string q = "owner_key:\"" + std::string(user_id.substr(24, 12)) + "\"";
  for (const auto& w : words) q += " AND transcript_text:\"" + w + "\"";
  return q;
}

std::string Fts5Query(const std::vector<std::string>& words) {
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "transcript_text:\"" : " AND transcript_text:\"") + w + "\"";
  return q;
}

std::string PlainQuery(const std::vector<std::string>& words) {
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "" : " ") + w;
  return q;
}

}  // namespace

Result<Transcription> Create(Connection& conn, std::string_view user_id, const NewTranscription& t) {
  return One(conn.Exec(fmt::format("INSERT INTO transcriptions (id, user_id, audio_url, language, model, metadata) "
                                   "VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
                                   kColumns),
                       NewUuidV7(), user_id, t.audio_url, t.language, t.model, t.metadata));
}

Result<Transcription> Get(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return NotFound();
  return One(conn.Exec(fmt::format("SELECT {} FROM transcriptions WHERE id = $1 AND user_id = $2", kColumns), id,
                       user_id));
}

Result<Page<Transcription>> List(Connection& conn, std::string_view user_id, const TranscriptionFilter& filter,
                                 const PageRequest& page) {
  if (!IsUuid(user_id)) return Page<Transcription>{};
  Query q(fmt::format("SELECT {} FROM transcriptions WHERE ", kColumns));
  q.Add("user_id = ?", {user_id});
  if (filter.status) q.Add(" AND status = ?", {*filter.status});
  if (filter.language) q.Add(" AND language = ?", {*filter.language});
  if (filter.created_from) q.Add(" AND created_at >= ?", {*filter.created_from});
  if (filter.created_to) q.Add(" AND created_at < ?", {*filter.created_to});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<Transcription> items;
  for (Row r : rows) items.push_back(FromRow(r));
  return MakePage(std::move(items), limit, [](const Transcription& t) { return Cursor{t.created_at, t.id}; });
}

Result<std::optional<std::string>> Delete(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return NotFound();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec("DELETE FROM transcriptions WHERE id = $1 AND user_id = $2 RETURNING audio_url", id, user_id));
  if (rows.empty()) return NotFound();
  return rows[0].OptText(0);
}

Result<int64_t> CountByAudioUrl(Connection& conn, std::string_view audio_url) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT count(*) FROM transcriptions WHERE audio_url = $1", audio_url));
  return rows[0].Int(0);
}

Result<Transcription> GetById(Connection& conn, std::string_view id) {
  if (!IsUuid(id)) return NotFound();
  return One(conn.Exec(fmt::format("SELECT {} FROM transcriptions WHERE id = $1", kColumns), id));
}

Status MarkProcessing(Connection& conn, std::string_view id) {
  if (!IsUuid(id)) return NotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE transcriptions SET status = 'processing' WHERE id = $1 "
                                               "AND status IN ('pending', 'processing')",
                                               id));
  if (rows.affected() == 0) return Explain(conn, id, "started");
  return Ok();
}

Status Complete(Connection& conn, std::string_view id, const TranscriptionResult& r, std::string_view now) {
  if (!IsUuid(id)) return NotFound();
  Query q("UPDATE transcriptions SET status = 'completed', error_message = NULL");
  q.Add(", transcript_text = ?, duration = ?, confidence = ?, completed_at = ?",
        {r.transcript_text, r.duration, r.confidence, now});
  if (r.language) q.Add(", language = ?", {*r.language});
  if (r.metadata) q.Add(", metadata = ?", {*r.metadata});
  q.Add(" WHERE id = ? AND status IN ('pending', 'processing')", {id});
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  if (rows.affected() == 0) return Explain(conn, id, "completed");
  return Ok();
}

Status Fail(Connection& conn, std::string_view id, std::string_view error_message, std::string_view now) {
  if (!IsUuid(id)) return NotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE transcriptions SET status = 'failed', error_message = $1, "
                                               "completed_at = $2 WHERE id = $3 "
                                               "AND status IN ('pending', 'processing')",
                                               error_message, now, id));
  if (rows.affected() == 0) return Explain(conn, id, "failed");
  return Ok();
}

Result<std::vector<TranscriptHit>> Search(Connection& conn, std::string_view user_id, std::string_view query,
                                          int limit) {
  const auto words = Words(query);
  if (words.empty()) return Unexpected(ErrorCode::kInvalidArgument, "The search query has no words.", "q");
  if (!IsUuid(user_id)) return std::vector<TranscriptHit>{};
  limit = ClampLimit(limit);
  Result<Rows> rows = Rows();
  if (conn.dialect() == Dialect::kSqlite) {
    // bm25() is lower-is-better; negate it so both backends rank higher-is-better. The owner_key
    // column gets weight 0: it filters, it does not score.
    rows = conn.Exec(
        "SELECT t.id, snippet(transcriptions_fts, 0, '<mark>', '</mark>', '…', 16), "
        "-bm25(transcriptions_fts, 1.0, 0.0), t.created_at, t.metadata "
        "FROM transcriptions_fts JOIN transcriptions t ON t.seq = transcriptions_fts.rowid "
        "WHERE transcriptions_fts MATCH $1 AND t.user_id = $2 "
        "ORDER BY bm25(transcriptions_fts, 1.0, 0.0) LIMIT $3",
        Fts5Query(user_id, words), user_id, limit);
  } else {
    rows = conn.Exec(
        "SELECT t.id, ts_headline('english', t.transcript_text, q, "
        "'StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1'), "
        "ts_rank(t.search_vector, q), t.created_at, t.metadata "
        "FROM transcriptions t, plainto_tsquery('english', $1) q "
        "WHERE t.user_id = $2 AND t.search_vector @@ q "
        "ORDER BY ts_rank(t.search_vector, q) DESC, t.created_at DESC LIMIT $3",
        PlainQuery(words), user_id, limit);
  }
  if (!rows) return Unexpected(std::move(rows).error());
  std::vector<TranscriptHit> hits;
  for (Row r : *rows) hits.push_back(TranscriptHit{r.Text(0), r.Text(1), r.Double(2), r.Text(3), r.Text(4)});
  return hits;
}

Result<std::vector<TranscriptHit>> SearchAll(Connection& conn, std::string_view query, int limit, int candidates) {
  const auto words = Words(query);
  if (words.empty()) return Unexpected(ErrorCode::kInvalidArgument, "The search query has no words.", "q");
  limit = ClampLimit(limit);
  Result<Rows> rows = Rows();
  if (conn.dialect() == Dialect::kSqlite) {
    // FTS5 walks its matches newest first (rowid order) and stops at the candidate limit; the
    // snippets are made for the winners only.
    rows = conn.Exec(
        "WITH candidates AS (SELECT rowid AS seq, bm25(transcriptions_fts, 1.0, 0.0) AS score "
        "  FROM transcriptions_fts WHERE transcriptions_fts MATCH $1 ORDER BY rowid DESC LIMIT $3), "
        "top AS (SELECT seq, score FROM candidates ORDER BY score LIMIT $2) "
        "SELECT t.id, snippet(transcriptions_fts, 0, '<mark>', '</mark>', '…', 16), -top.score, t.created_at "
        "FROM top JOIN transcriptions_fts ON transcriptions_fts.rowid = top.seq "
        "JOIN transcriptions t ON t.seq = top.seq "
        "WHERE transcriptions_fts MATCH $1 ORDER BY top.score",
        Fts5Query(words), limit, candidates);
  } else {
    // recent_transcript_matches (migration 0011) reads the matches week by week from the newest,
    // so a common word costs the rows of its last few weeks, not all of its rows.
    rows = conn.Exec(
        "WITH q AS (SELECT plainto_tsquery('english', $1) AS q), "
        "candidates AS (SELECT m.id, m.score FROM q, recent_transcript_matches(q.q, $3) m "
        "  ORDER BY m.created_at DESC LIMIT $3), "
        "top AS (SELECT c.id, c.score FROM candidates c ORDER BY c.score DESC LIMIT $2) "
        "SELECT t.id, ts_headline('english', t.transcript_text, q.q, "
        "'StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1'), top.score, t.created_at "
        "FROM top JOIN transcriptions t ON t.id = top.id, q ORDER BY top.score DESC, t.created_at DESC",
        PlainQuery(words), limit, candidates);
  }
  if (!rows) return Unexpected(std::move(rows).error());
  std::vector<TranscriptHit> hits;
  for (Row r : *rows) hits.push_back(TranscriptHit{r.Text(0), r.Text(1), r.Double(2), r.Text(3)});
  return hits;
}

}  // namespace chorus::store::transcriptions
