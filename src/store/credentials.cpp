#include "store/credentials.h"

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strings.h"
#include "store/query.h"

namespace chorus::store {
namespace {

Unexpected NotFound(const char* what) { return Unexpected(ErrorCode::kNotFound, fmt::format("{} not found.", what)); }

template <typename T, typename F>
Result<T> One(Result<Rows> rows, const char* what, F from_row) {
  if (!rows) return Unexpected(std::move(rows).error());
  if (rows->empty()) return NotFound(what);
  return from_row((*rows)[0]);
}

// Keyset page over rows of `table` owned by `user_id`.
template <typename T, typename F>
Result<Page<T>> ListOwned(Connection& conn, const char* columns, const char* table, std::string_view user_id,
                          const PageRequest& page, F from_row) {
  if (!IsUuid(user_id)) return Page<T>{};
  // `columns` and `table` are constants of this file; every value is bound.
  Query query(fmt::format("SELECT {} FROM {} WHERE user_id = ", columns, table));
  query.Add("?", {user_id});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(query, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, query.Run(conn));
  std::vector<T> items;
  for (Row r : rows) items.push_back(from_row(r));
  return MakePage(std::move(items), limit, [](const T& t) { return Cursor{t.created_at, t.id}; });
}

// ---- sessions

constexpr const char* kSessionColumns =
    "id, user_id, token_hash, ip_address, user_agent, expires_at, revoked_at, last_used_at, created_at";

Session SessionFromRow(Row r) {
  return Session{r.Text(0),    r.Text(1),    r.Text(2),    r.OptText(3), r.OptText(4),
                 r.Text(5),    r.OptText(6), r.OptText(7), r.Text(8)};
}

// ---- refresh tokens

constexpr const char* kRefreshColumns =
    "id, user_id, session_id, family_id, token_hash, expires_at, used_at, revoked_at, created_at";

RefreshToken RefreshFromRow(Row r) {
  return RefreshToken{r.Text(0), r.Text(1), r.OptText(2), r.Text(3), r.Text(4),
                      r.Text(5), r.OptText(6), r.OptText(7), r.Text(8)};
}

// ---- api keys

constexpr const char* kApiKeyColumns =
    "id, user_id, name, key_hash, key_prefix, scopes, last_used_at, expires_at, revoked_at, created_at, updated_at";

// Scopes are stored as a JSON array of short lower-case words; only those are ever written.
std::string ScopesToJson(const std::vector<std::string>& scopes) {
  std::string out = "[";
  for (const auto& s : scopes) {
    if (out.size() > 1) out += ',';
    out += '"';
    AppendJsonEscaped(out, s);
    out += '"';
  }
  return out + "]";
}

std::vector<std::string> ScopesFromJson(std::string_view json) {
  // Parsing by hand: the format is the one ScopesToJson writes (PostgreSQL may add spaces), and
  // scope names never contain quotes or escapes.
  std::vector<std::string> scopes;
  size_t pos = 0;
  while ((pos = json.find('"', pos)) != std::string_view::npos) {
    const size_t end = json.find('"', pos + 1);
    if (end == std::string_view::npos) break;
    scopes.emplace_back(json.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return scopes;
}

ApiKey ApiKeyFromRow(Row r) {
  return ApiKey{r.Text(0),    r.Text(1),    r.Text(2),    r.Text(3), r.Text(4),  ScopesFromJson(r.Text(5)),
                r.OptText(6), r.OptText(7), r.OptText(8), r.Text(9), r.Text(10)};
}

}  // namespace

namespace sessions {

Result<Session> Create(Connection& conn, const NewSession& s) {
  return One<Session>(conn.Exec(fmt::format("INSERT INTO sessions (id, user_id, token_hash, ip_address, user_agent, "
                                            "expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
                                            kSessionColumns),
                                NewUuidV7(), s.user_id, s.token_hash, s.ip_address, s.user_agent, s.expires_at),
                      "Session", SessionFromRow);
}

Result<Session> FindActive(Connection& conn, std::string_view token_hash, std::string_view now) {
  return One<Session>(conn.Exec(fmt::format("SELECT {} FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL "
                                            "AND expires_at > $2",
                                            kSessionColumns),
                                token_hash, now),
                      "Session", SessionFromRow);
}

Result<Page<Session>> ListForUser(Connection& conn, std::string_view user_id, const PageRequest& page) {
  return ListOwned<Session>(conn, kSessionColumns, "sessions", user_id, page, SessionFromRow);
}

Status Revoke(Connection& conn, std::string_view user_id, std::string_view id, std::string_view now) {
  if (!IsUuid(id) || !IsUuid(user_id)) return NotFound("Session");
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 "
                                               "AND revoked_at IS NULL",
                                               now, id, user_id));
  if (rows.affected() == 0) return NotFound("Session");
  return Ok();
}

Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view keep_id,
                                 std::string_view now) {
  if (!IsUuid(user_id)) return int64_t{0};
  Query q("UPDATE sessions SET revoked_at = ");
  q.Add("? WHERE user_id = ? AND revoked_at IS NULL", {now, user_id});
  if (IsUuid(keep_id)) q.Add(" AND id <> ?", {keep_id});
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  return rows.affected();
}

Result<int64_t> RevokeForFamily(Connection& conn, std::string_view family_id, std::string_view now) {
  if (!IsUuid(family_id)) return int64_t{0};
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL "
                                               "AND id IN (SELECT session_id FROM refresh_tokens WHERE family_id = $2)",
                                               now, family_id));
  return rows.affected();
}

Result<int64_t> DeleteExpired(Connection& conn, std::string_view now) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("DELETE FROM sessions WHERE expires_at <= $1", now));
  return rows.affected();
}

}  // namespace sessions

namespace refresh_tokens {

Result<RefreshToken> Create(Connection& conn, const NewRefreshToken& t) {
  return One<RefreshToken>(
      conn.Exec(fmt::format("INSERT INTO refresh_tokens (id, user_id, session_id, family_id, token_hash, expires_at) "
                            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING {}",
                            kRefreshColumns),
                NewUuidV7(), t.user_id, t.session_id, t.family_id, t.token_hash, t.expires_at),
      "Refresh token", RefreshFromRow);
}

Result<RefreshToken> FindByHash(Connection& conn, std::string_view token_hash) {
  return One<RefreshToken>(
      conn.Exec(fmt::format("SELECT {} FROM refresh_tokens WHERE token_hash = $1", kRefreshColumns), token_hash),
      "Refresh token", RefreshFromRow);
}

Result<bool> MarkUsed(Connection& conn, std::string_view id, std::string_view now) {
  if (!IsUuid(id)) return false;
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 "
                                               "AND used_at IS NULL AND revoked_at IS NULL",
                                               now, id));
  return rows.affected() == 1;
}

Result<int64_t> RevokeFamily(Connection& conn, std::string_view family_id, std::string_view now) {
  if (!IsUuid(family_id)) return int64_t{0};
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 "
                                               "AND revoked_at IS NULL",
                                               now, family_id));
  return rows.affected();
}

Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view now,
                                 std::string_view keep_session_id) {
  if (!IsUuid(user_id)) return int64_t{0};
  Query q("UPDATE refresh_tokens SET revoked_at = ");
  q.Add("? WHERE user_id = ? AND revoked_at IS NULL", {now, user_id});
  if (IsUuid(keep_session_id)) {
    q.Add(" AND family_id NOT IN (SELECT family_id FROM refresh_tokens WHERE session_id = ?)", {keep_session_id});
  }
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  return rows.affected();
}

Result<int64_t> RevokeForSession(Connection& conn, std::string_view session_id, std::string_view now) {
  if (!IsUuid(session_id)) return int64_t{0};
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL "
                                               "AND family_id IN (SELECT family_id FROM refresh_tokens "
                                               "WHERE session_id = $2)",
                                               now, session_id));
  return rows.affected();
}

Result<int64_t> DeleteExpired(Connection& conn, std::string_view now) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("DELETE FROM refresh_tokens WHERE expires_at <= $1", now));
  return rows.affected();
}

}  // namespace refresh_tokens

namespace api_keys {

Result<ApiKey> Create(Connection& conn, const NewApiKey& k) {
  return One<ApiKey>(conn.Exec(fmt::format("INSERT INTO api_keys (id, user_id, name, key_hash, key_prefix, scopes, "
                                           "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                                           kApiKeyColumns),
                               NewUuidV7(), k.user_id, k.name, k.key_hash, k.key_prefix, ScopesToJson(k.scopes),
                               k.expires_at),
                     "API key", ApiKeyFromRow);
}

Result<ApiKey> FindByHash(Connection& conn, std::string_view key_hash) {
  return One<ApiKey>(conn.Exec(fmt::format("SELECT {} FROM api_keys WHERE key_hash = $1", kApiKeyColumns), key_hash),
                     "API key", ApiKeyFromRow);
}

Result<ApiKey> Get(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return NotFound("API key");
  return One<ApiKey>(
      conn.Exec(fmt::format("SELECT {} FROM api_keys WHERE id = $1 AND user_id = $2", kApiKeyColumns), id, user_id),
      "API key", ApiKeyFromRow);
}

Result<Page<ApiKey>> ListForUser(Connection& conn, std::string_view user_id, const PageRequest& page) {
  return ListOwned<ApiKey>(conn, kApiKeyColumns, "api_keys", user_id, page, ApiKeyFromRow);
}

Status Revoke(Connection& conn, std::string_view user_id, std::string_view id, std::string_view now) {
  if (!IsUuid(id) || !IsUuid(user_id)) return NotFound("API key");
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 "
                                               "AND revoked_at IS NULL",
                                               now, id, user_id));
  if (rows.affected() == 0) return NotFound("API key");
  return Ok();
}

Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view now) {
  if (!IsUuid(user_id)) return int64_t{0};
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE api_keys SET revoked_at = $1 WHERE user_id = $2 "
                                               "AND revoked_at IS NULL",
                                               now, user_id));
  return rows.affected();
}

Status TouchLastUsed(Connection& conn, std::string_view id, std::string_view at) {
  if (!IsUuid(id)) return Ok();
  CHORUS_TRY(conn.Exec("UPDATE api_keys SET last_used_at = $1 WHERE id = $2 "
                       "AND (last_used_at IS NULL OR last_used_at < $1)",
                       at, id));
  return Ok();
}

}  // namespace api_keys
}  // namespace chorus::store
