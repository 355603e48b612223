#include "services/auth_service.h"

#include <chrono>

#include "auth/tokens.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/time.h"
#include "store/credentials.h"

namespace chorus::services {
namespace {

using store::Connection;

Unexpected InvalidLogin() { return Unexpected(ErrorCode::kUnauthenticated, "Invalid login or password."); }
Unexpected InvalidCredentials() {
  return Unexpected(ErrorCode::kUnauthenticated, "Invalid or expired credentials.");
}
Unexpected InvalidRefresh() { return Unexpected(ErrorCode::kUnauthenticated, "Invalid or expired refresh token."); }

Error RateLimited(std::chrono::seconds wait) {
  Error e{ErrorCode::kRateLimited, "Too many failed logins; try again later.", {}};
  e.retry_after_seconds = static_cast<int>(std::max<int64_t>(1, wait.count()));
  return e;
}

std::optional<CredentialCache::Clock::time_point> SteadyDeadline(const std::optional<std::string>& timestamp) {
  if (!timestamp) return std::nullopt;
  auto at = ParseTimestamp(*timestamp);
  if (!at) return CredentialCache::Clock::now();
  return CredentialCache::Clock::now() + (*at - std::chrono::system_clock::now());
}

// Outcome of a refresh transaction: either new tokens, or the proof of a replay that must be
// committed (the family is revoked) before the caller is refused.
struct RefreshOutcome {
  bool replayed = false;
  store::User user;
  std::string family_id;
};

}  // namespace

AuthService::AuthService(store::AsyncDb& db, BlockingPool& cpu, const auth::PasswordHasher& hasher,
                         AuthSettings settings)
    : db_(db),
      cpu_(cpu),
      hasher_(hasher),
      settings_(settings),
      account_throttle_(settings.max_login_failures, settings.failure_window),
      ip_throttle_(settings.max_ip_failures, settings.failure_window),
      cache_(settings.credential_cache_ttl) {}

std::string AuthService::Expiry(std::chrono::milliseconds ttl) const {
  return FormatTimestamp(std::chrono::system_clock::now() + ttl);
}

Task<Result<std::string>> AuthService::HashPassword(std::string password) {
  auto hash = [this, password = std::move(password)] { return hasher_.Hash(password); };
  co_return co_await cpu_.Run(std::move(hash));  // named first: see the GCC 12 note in base/async.h
}

Task<Result<store::User>> AuthService::Register(const Registration& r, const Caller* guest) {
  if (!settings_.open_registration) co_return Unexpected(ErrorCode::kPermissionDenied, "Registration is closed.");
  if (auto s = auth::CheckEmail(r.email); !s) co_return Unexpected(std::move(s).error());
  if (auto s = auth::CheckUsername(r.username); !s) co_return Unexpected(std::move(s).error());
  if (auto s = auth::CheckNewPassword(r.password); !s) co_return Unexpected(std::move(s).error());
  if (guest && !guest->is_guest()) {
    co_return Unexpected(ErrorCode::kConflict, "You already have an account; log out to register another.");
  }
  if (guest && guest->session_id.empty()) {
    co_return Unexpected(ErrorCode::kPermissionDenied, "A guest registers with its session token, not an API key.");
  }
  auto hash = co_await HashPassword(r.password);
  if (!hash) co_return Unexpected(std::move(hash).error());
  const std::string guest_id = guest && guest->is_guest() ? guest->user_id : std::string();
  auto user = co_await db_.Write([&](Connection& c) -> Result<store::User> {
    if (!guest_id.empty()) {
      return store::users::Update(c, guest_id, {.email = r.email, .username = r.username, .password_hash = *hash,
                                                .account_type = "registered"});
    }
    return store::users::Create(c, {.email = r.email, .username = r.username, .password_hash = *hash});
  });
  if (!user && user.error().code == ErrorCode::kAlreadyExists) {
    co_return Unexpected(ErrorCode::kAlreadyExists, "An account with this email or username already exists.");
  }
  if (user) log::Info("account registered", {{"user_id", user->id}, {"upgraded_guest", !guest_id.empty()}});
  co_return user;
}

Task<Result<Tokens>> AuthService::Login(std::string login, std::string password, ClientInfo client) {
  const std::string account_key = ToLower(login);
  const std::string ip_key = client.ip;
  if (auto wait = account_throttle_.RetryAfter(account_key)) co_return Unexpected(RateLimited(*wait));
  if (auto wait = ip_throttle_.RetryAfter(ip_key)) co_return Unexpected(RateLimited(*wait));

  auto found = co_await db_.Read([&](Connection& c) { return store::users::FindByLogin(c, login); });
  if (!found && found.error().code != ErrorCode::kNotFound) co_return Unexpected(std::move(found).error());
  const std::string stored = found && found->password_hash ? *found->password_hash : std::string();
  // The same work whether or not the account exists: verify against its hash, or a dummy one.
  auto verdict = co_await cpu_.Run([this, &stored, &password] {
    if (stored.empty()) {
      hasher_.VerifyDummy(password);
      return auth::PasswordHasher::Verdict{};
    }
    return hasher_.Verify(stored, password);
  });
  if (!found || !verdict.match || !found->is_active) {
    account_throttle_.RecordFailure(account_key);
    ip_throttle_.RecordFailure(ip_key);
    log::Info("login failed", {{"ip", client.ip}});
    co_return InvalidLogin();
  }
  account_throttle_.Clear(account_key);
  std::optional<std::string> new_hash;
  if (verdict.needs_rehash) {
    auto rehashed = co_await HashPassword(password);
    if (rehashed) new_hash = std::move(*rehashed);
  }
  co_return co_await Issue(std::move(*found), std::move(client), std::move(new_hash));
}

Task<Result<Tokens>> AuthService::Issue(store::User user, ClientInfo client, std::optional<std::string> new_hash) {
  Tokens tokens;
  tokens.access_token = auth::NewToken(auth::kSessionPrefix);
  tokens.refresh_token = auth::NewToken(auth::kRefreshPrefix);
  tokens.expires_in = std::chrono::duration_cast<std::chrono::seconds>(settings_.session_ttl).count();
  const std::string now = NowTimestamp();
  auto issued = co_await db_.Write([&](Connection& c) -> Result<store::User> {
    CHORUS_ASSIGN_OR_RETURN(store::User updated,
                            store::users::Update(c, user.id, {.password_hash = new_hash, .last_login_at = now}));
    CHORUS_ASSIGN_OR_RETURN(store::Session session,
                            store::sessions::Create(c, {.user_id = user.id,
                                                        .token_hash = auth::TokenHash(tokens.access_token),
                                                        .ip_address = client.ip.substr(0, 45),
                                                        .user_agent = client.user_agent.substr(0, 512),
                                                        .expires_at = Expiry(settings_.session_ttl)}));
    CHORUS_TRY(store::refresh_tokens::Create(c, {.user_id = user.id,
                                                 .session_id = session.id,
                                                 .family_id = NewUuidV7(),
                                                 .token_hash = auth::TokenHash(tokens.refresh_token),
                                                 .expires_at = Expiry(settings_.refresh_ttl)}));
    return updated;
  });
  if (!issued) co_return Unexpected(std::move(issued).error());
  if (new_hash) log::Info("password hash upgraded", {{"user_id", user.id}});
  tokens.user = std::move(*issued);
  co_return tokens;
}

Task<Result<Tokens>> AuthService::Refresh(std::string refresh_token, ClientInfo client) {
  if (!auth::LooksLikeToken(refresh_token, auth::kRefreshPrefix)) co_return InvalidRefresh();
  const std::string hash = auth::TokenHash(refresh_token);
  Tokens tokens;
  tokens.access_token = auth::NewToken(auth::kSessionPrefix);
  tokens.refresh_token = auth::NewToken(auth::kRefreshPrefix);
  tokens.expires_in = std::chrono::duration_cast<std::chrono::seconds>(settings_.session_ttl).count();
  const std::string now = NowTimestamp();

  auto outcome = co_await db_.Write([&](Connection& c) -> Result<RefreshOutcome> {
    auto found = store::refresh_tokens::FindByHash(c, hash);
    if (!found) {
      return found.error().code == ErrorCode::kNotFound ? InvalidRefresh() : Unexpected(std::move(found).error());
    }
    store::RefreshToken old = std::move(*found);
    if (old.revoked_at || old.expires_at <= now) return InvalidRefresh();
    if (old.used_at) {
      // A spent token came back: it was stolen, or its thief already used it. End the family.
      CHORUS_TRY(store::sessions::RevokeForFamily(c, old.family_id, now));
      CHORUS_TRY(store::refresh_tokens::RevokeFamily(c, old.family_id, now));
      return RefreshOutcome{.replayed = true, .user = store::User{.id = old.user_id}, .family_id = old.family_id};
    }
    CHORUS_ASSIGN_OR_RETURN(bool won, store::refresh_tokens::MarkUsed(c, old.id, now));
    if (!won) return InvalidRefresh();  // a concurrent refresh with the same token got there first
    CHORUS_ASSIGN_OR_RETURN(store::User user, store::users::Get(c, old.user_id));
    if (!user.is_active) return InvalidRefresh();
    if (old.session_id) (void)store::sessions::Revoke(c, user.id, *old.session_id, now);
    CHORUS_ASSIGN_OR_RETURN(store::Session session,
                            store::sessions::Create(c, {.user_id = user.id,
                                                        .token_hash = auth::TokenHash(tokens.access_token),
                                                        .ip_address = client.ip.substr(0, 45),
                                                        .user_agent = client.user_agent.substr(0, 512),
                                                        .expires_at = Expiry(settings_.session_ttl)}));
    CHORUS_TRY(store::refresh_tokens::Create(c, {.user_id = user.id,
                                                 .session_id = session.id,
                                                 .family_id = old.family_id,
                                                 .token_hash = auth::TokenHash(tokens.refresh_token),
                                                 .expires_at = Expiry(settings_.refresh_ttl)}));
    return RefreshOutcome{.replayed = false, .user = std::move(user), .family_id = old.family_id};
  });
  if (!outcome) co_return Unexpected(std::move(outcome).error());
  if (outcome->replayed) {
    log::Warn("refresh token reused; its family and the family's sessions are revoked",
              {{"family_id", outcome->family_id}});
    cache_.EraseUser(outcome->user.id);
    co_return InvalidRefresh();
  }
  cache_.EraseUser(outcome->user.id);  // the rotated session is no longer valid
  tokens.user = std::move(outcome->user);
  co_return tokens;
}

Task<Status> AuthService::Logout(const Caller& caller) {
  if (caller.session_id.empty()) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "Logout ends a session; API keys are revoked instead.");
  }
  const std::string now = NowTimestamp();
  auto done = co_await db_.Write([&](Connection& c) -> Status {
    CHORUS_TRY(store::refresh_tokens::RevokeForSession(c, caller.session_id, now));
    return store::sessions::Revoke(c, caller.user_id, caller.session_id, now);
  });
  cache_.EraseUser(caller.user_id);
  co_return done;
}

Task<Result<Tokens>> AuthService::CreateGuest(ClientInfo client) {
  if (!settings_.open_registration) co_return Unexpected(ErrorCode::kPermissionDenied, "Registration is closed.");
  auto guest = co_await db_.Write([](Connection& c) { return store::users::Create(c, {.account_type = "guest"}); });
  if (!guest) co_return Unexpected(std::move(guest).error());
  co_return co_await Issue(std::move(*guest), std::move(client), std::nullopt);
}

Task<Status> AuthService::ChangePassword(const Caller& caller, std::string current, std::string next) {
  if (caller.session_id.empty()) {
    co_return Unexpected(ErrorCode::kPermissionDenied, "Changing the password needs a session token, not an API key.");
  }
  auto user = co_await db_.Read([&](Connection& c) { return store::users::Get(c, caller.user_id); });
  if (!user) co_return Unexpected(std::move(user).error());
  const std::string stored = user->password_hash.value_or("");
  auto verdict = co_await cpu_.Run([this, &stored, &current] { return hasher_.Verify(stored, current); });
  if (!verdict.match) co_return Unexpected(ErrorCode::kPermissionDenied, "The current password is wrong.",
                                           "current_password");
  if (auto s = auth::CheckNewPassword(next); !s) {
    Error e = std::move(s).error();
    e.param = "new_password";
    co_return Unexpected(std::move(e));
  }
  auto hash = co_await HashPassword(next);
  if (!hash) co_return Unexpected(std::move(hash).error());
  const std::string now = NowTimestamp();
  auto done = co_await db_.Write([&](Connection& c) -> Status {
    CHORUS_TRY(store::users::Update(c, caller.user_id, {.password_hash = *hash}));
    CHORUS_TRY(store::sessions::RevokeAllForUser(c, caller.user_id, caller.session_id, now));
    CHORUS_TRY(store::refresh_tokens::RevokeAllForUser(c, caller.user_id, now, caller.session_id));
    return Ok();
  });
  cache_.EraseUser(caller.user_id);
  if (done) log::Info("password changed", {{"user_id", caller.user_id}});
  co_return done;
}

Task<Result<Caller>> AuthService::Authenticate(std::string_view bearer) {
  const bool session = auth::LooksLikeToken(bearer, auth::kSessionPrefix);
  const bool api_key = !session && auth::LooksLikeToken(bearer, auth::kApiKeyPrefix);
  if (!session && !api_key) co_return InvalidCredentials();
  const MemoryDigest cache_key = auth::TokenCacheKey(bearer);
  // The time of use is formatted when it is written (FlushAndPurge), not on every request.
  const SystemTime used_at = std::chrono::system_clock::now();
  auto remember_use = [this, used_at](const Caller& c) {
    if (c.api_key_id.empty()) return;
    std::lock_guard lock(last_used_mu_);
    api_key_last_used_.insert_or_assign(c.api_key_id, used_at);
  };
  if (auto cached = cache_.Find(cache_key)) {
    remember_use(*cached);
    co_return std::move(*cached);
  }
  const std::string hash = auth::TokenHash(bearer);
  const std::string now = FormatTimestamp(used_at);
  struct Found {
    Caller caller;
    std::optional<std::string> expires_at;
  };
  auto found = co_await db_.Read([&](Connection& c) -> Result<Found> {
    Found f;
    if (session) {
      auto s = store::sessions::FindActive(c, hash, now);
      if (!s) return s.error().code == ErrorCode::kNotFound ? InvalidCredentials() : Unexpected(std::move(s).error());
      f.caller.user_id = s->user_id;
      f.caller.session_id = s->id;
      f.caller.scopes = {"all"};
      f.expires_at = s->expires_at;
    } else {
      auto k = store::api_keys::FindByHash(c, hash);
      if (!k) return k.error().code == ErrorCode::kNotFound ? InvalidCredentials() : Unexpected(std::move(k).error());
      if (k->revoked_at || (k->expires_at && *k->expires_at <= now)) return InvalidCredentials();
      f.caller.user_id = k->user_id;
      f.caller.api_key_id = k->id;
      f.caller.scopes = k->scopes;
      f.expires_at = k->expires_at;
    }
    auto user = store::users::Get(c, f.caller.user_id);
    if (!user || !user->is_active) return InvalidCredentials();
    f.caller.access_role = user->access_role;
    f.caller.account_type = user->account_type;
    return f;
  });
  if (!found) co_return Unexpected(std::move(found).error());
  cache_.Put(cache_key, hash, found->caller, SteadyDeadline(found->expires_at));
  remember_use(found->caller);
  co_return std::move(found->caller);
}

Status AuthService::FlushAndPurge() {
  std::unordered_map<std::string, SystemTime> pending;
  {
    std::lock_guard lock(last_used_mu_);
    pending.swap(api_key_last_used_);
  }
  const std::string now = NowTimestamp();
  return store::Transact(db_.database(), store::Access::kWrite, [&](Connection& c) -> Status {
    for (const auto& [id, at] : pending) CHORUS_TRY(store::api_keys::TouchLastUsed(c, id, FormatTimestamp(at)));
    CHORUS_TRY(store::sessions::DeleteExpired(c, now));
    CHORUS_TRY(store::refresh_tokens::DeleteExpired(c, now));
    return Ok();
  });
}

}  // namespace chorus::services
