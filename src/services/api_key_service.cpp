#include "services/api_key_service.h"

#include <algorithm>
#include <set>

#include "auth/tokens.h"
#include "base/time.h"
#include "services/auth_service.h"

namespace chorus::services {

using store::Connection;

Task<Result<CreatedApiKey>> ApiKeyService::Create(const Caller& caller, NewApiKeyRequest r) {
  if (r.name.empty() || r.name.size() > 255) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "name must be 1 to 255 characters.", "name");
  }
  if (r.scopes.empty()) co_return Unexpected(ErrorCode::kInvalidArgument, "scopes must not be empty.", "scopes");
  static const std::set<std::string> kScopes = {"all", "read", "inference", "admin"};
  std::set<std::string> seen;
  for (const auto& s : r.scopes) {
    if (!kScopes.contains(s)) {
      co_return Unexpected(ErrorCode::kInvalidArgument, "scopes may be all, read, inference and admin.", "scopes");
    }
    if (!seen.insert(s).second) co_return Unexpected(ErrorCode::kInvalidArgument, "duplicate scope.", "scopes");
  }
  if (seen.contains("admin") && !caller.is_admin()) {
    co_return Unexpected(ErrorCode::kPermissionDenied, "Only administrators may create admin keys.", "scopes");
  }
  if (r.expires_at) {
    auto at = ParseTimestamp(*r.expires_at);
    if (!at || *at <= std::chrono::system_clock::now()) {
      co_return Unexpected(ErrorCode::kInvalidArgument, "expires_at must be a future ISO-8601 UTC time.",
                           "expires_at");
    }
    r.expires_at = FormatTimestamp(*at);
  }
  CreatedApiKey created;
  created.key = auth::NewToken(auth::kApiKeyPrefix);
  auto record = co_await db_.Write([&](Connection& c) {
    return store::api_keys::Create(c, {.user_id = caller.user_id,
                                       .name = r.name,
                                       .key_hash = auth::TokenHash(created.key),
                                       .key_prefix = created.key.substr(0, auth::kApiKeyDisplayLength),
                                       .scopes = r.scopes,
                                       .expires_at = r.expires_at});
  });
  if (!record) co_return Unexpected(std::move(record).error());
  created.record = std::move(*record);
  co_return created;
}

Task<Result<store::Page<store::ApiKey>>> ApiKeyService::List(const Caller& caller, store::PageRequest page) {
  co_return co_await db_.Read([&](Connection& c) { return store::api_keys::ListForUser(c, caller.user_id, page); });
}

Task<Status> ApiKeyService::Revoke(const Caller& caller, std::string id) {
  const std::string now = NowTimestamp();
  auto revoked = co_await db_.Write([&](Connection& c) -> Result<std::string> {
    CHORUS_ASSIGN_OR_RETURN(store::ApiKey key, store::api_keys::Get(c, caller.user_id, id));
    CHORUS_TRY(store::api_keys::Revoke(c, caller.user_id, id, now));
    return key.key_hash;
  });
  if (!revoked) co_return Unexpected(std::move(revoked).error());
  auth_.ForgetToken(*revoked);
  co_return Ok();
}

}  // namespace chorus::services
