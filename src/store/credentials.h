// Sessions, refresh tokens and API keys: the stored halves of credentials. Only SHA-256 hashes of
// tokens and keys are stored (token_hash, key_hash: 64 hex characters), never the secrets.
// Per-user functions take the user id, so one user's row cannot be read or changed by another's id.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct Session {
  std::string id;
  std::string user_id;
  std::string token_hash;
  std::optional<std::string> ip_address;
  std::optional<std::string> user_agent;
  std::string expires_at;
  std::optional<std::string> revoked_at;
  std::optional<std::string> last_used_at;
  std::string created_at;
};

struct NewSession {
  std::string user_id;
  std::string token_hash;
  std::optional<std::string> ip_address;
  std::optional<std::string> user_agent;
  std::string expires_at;
};

struct RefreshToken {
  std::string id;
  std::string user_id;
  std::optional<std::string> session_id;
  std::string family_id;
  std::string token_hash;
  std::string expires_at;
  std::optional<std::string> used_at;
  std::optional<std::string> revoked_at;
  std::string created_at;
};

struct NewRefreshToken {
  std::string user_id;
  std::optional<std::string> session_id;
  std::string family_id;  // a new family per login; rotations inherit it
  std::string token_hash;
  std::string expires_at;
};

struct ApiKey {
  std::string id;
  std::string user_id;
  std::string name;
  std::string key_hash;
  std::string key_prefix;
  std::vector<std::string> scopes;
  std::optional<std::string> last_used_at;
  std::optional<std::string> expires_at;
  std::optional<std::string> revoked_at;
  std::string created_at;
  std::string updated_at;
};

struct NewApiKey {
  std::string user_id;
  std::string name;
  std::string key_hash;
  std::string key_prefix;
  std::vector<std::string> scopes;
  std::optional<std::string> expires_at;
};

namespace sessions {
Result<Session> Create(Connection& conn, const NewSession& session);
// The session with this token hash, if it is neither revoked nor expired at `now`. kNotFound.
Result<Session> FindActive(Connection& conn, std::string_view token_hash, std::string_view now);
Result<Page<Session>> ListForUser(Connection& conn, std::string_view user_id, const PageRequest& page);
// kNotFound when the session is not the user's or is already revoked.
Status Revoke(Connection& conn, std::string_view user_id, std::string_view id, std::string_view now);
// Revokes every active session of the user except `keep_id` (may be empty); returns how many.
Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view keep_id,
                                 std::string_view now);
// Revokes the sessions issued with the refresh-token family `family_id` (reuse detected).
Result<int64_t> RevokeForFamily(Connection& conn, std::string_view family_id, std::string_view now);
// Deletes sessions that expired before `now`; returns how many.
Result<int64_t> DeleteExpired(Connection& conn, std::string_view now);
}  // namespace sessions

namespace refresh_tokens {
Result<RefreshToken> Create(Connection& conn, const NewRefreshToken& token);
// By hash, in any state (the caller decides what a used or revoked token means). kNotFound.
Result<RefreshToken> FindByHash(Connection& conn, std::string_view token_hash);
// Marks the token used if it is unused and unrevoked; false if another caller got there first
// (the single UPDATE makes concurrent uses race safely: at most one wins).
Result<bool> MarkUsed(Connection& conn, std::string_view id, std::string_view now);
// Revokes every token of a family; returns how many were still unrevoked.
Result<int64_t> RevokeFamily(Connection& conn, std::string_view family_id, std::string_view now);
// Revokes the user's tokens except those issued with session `keep_session_id` (may be empty).
Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view now,
                                 std::string_view keep_session_id = {});
// Revokes the whole family of the token issued with `session_id` (logout).
Result<int64_t> RevokeForSession(Connection& conn, std::string_view session_id, std::string_view now);
Result<int64_t> DeleteExpired(Connection& conn, std::string_view now);
}  // namespace refresh_tokens

namespace api_keys {
// kAlreadyExists on a duplicate hash (a collision means a broken random source).
Result<ApiKey> Create(Connection& conn, const NewApiKey& key);
// By hash, in any state. kNotFound.
Result<ApiKey> FindByHash(Connection& conn, std::string_view key_hash);
Result<ApiKey> Get(Connection& conn, std::string_view user_id, std::string_view id);
Result<Page<ApiKey>> ListForUser(Connection& conn, std::string_view user_id, const PageRequest& page);
// kNotFound when the key is not the user's or is already revoked.
Status Revoke(Connection& conn, std::string_view user_id, std::string_view id, std::string_view now);
Result<int64_t> RevokeAllForUser(Connection& conn, std::string_view user_id, std::string_view now);
// Records use times collected in memory, one statement per key; only moves times forward.
Status TouchLastUsed(Connection& conn, std::string_view id, std::string_view at);
}  // namespace api_keys

}  // namespace chorus::store
