// Accounts and credentials: registration, login, token refresh with rotation and reuse detection,
// logout, guest accounts, password changes, and authentication of bearer credentials (session
// tokens and API keys).
//
// Password hashing runs on the CPU pool (tens of milliseconds each); database work runs through
// AsyncDb. All methods are safe to call concurrently.
//
// Login failures are indistinguishable: an unknown login, a wrong password and a disabled account
// all answer kUnauthenticated "Invalid login or password." after the same work (a dummy hash is
// verified for unknown logins). Failures are throttled per login name and per client address.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/passwords.h"
#include "base/async.h"
#include "base/time.h"
#include "services/caller.h"
#include "services/credential_cache.h"
#include "services/login_throttle.h"
#include "store/async_db.h"
#include "store/users.h"

namespace chorus::services {

struct AuthSettings {
  bool open_registration = true;
  std::chrono::milliseconds session_ttl{3600000};
  std::chrono::milliseconds refresh_ttl{30LL * 86400000};
  int max_login_failures = 10;
  int max_ip_failures = 100;
  std::chrono::milliseconds failure_window{900000};
  std::chrono::milliseconds credential_cache_ttl{10000};
};

struct Registration {
  std::string email;
  std::string username;
  std::string password;
};

struct Tokens {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in = 0;  // seconds
  store::User user;
};

class AuthService {
 public:
  AuthService(store::AsyncDb& db, BlockingPool& cpu, const auth::PasswordHasher& hasher, AuthSettings settings);

  // Creates a registered account, or upgrades the calling guest's account in place (`guest` is the
  // authenticated caller, when the request carried credentials). Errors: kPermissionDenied
  // (registration closed; a guest using an API key), kConflict (the caller already has an account),
  // kInvalidArgument (param names the field), kAlreadyExists (email or username taken).
  Task<Result<store::User>> Register(const Registration& r, const Caller* guest);
  // By email or username. kUnauthenticated (see above), kRateLimited with retry_after_seconds.
  Task<Result<Tokens>> Login(std::string login, std::string password, ClientInfo client);
  // Rotates: the refresh token is spent and a new pair returned. Replaying a spent token revokes
  // its whole family. kUnauthenticated for anything but a live, unspent token.
  Task<Result<Tokens>> Refresh(std::string refresh_token, ClientInfo client);
  // Revokes the caller's session and its refresh tokens. kInvalidArgument when the caller used an
  // API key (there is no session to end).
  Task<Status> Logout(const Caller& caller);
  // A new guest account with its first session. kPermissionDenied when registration is closed.
  Task<Result<Tokens>> CreateGuest(ClientInfo client);
  // Needs a session token and the current password; revokes every other session and refresh token
  // of the user. kPermissionDenied for a wrong current password or an API-key caller.
  Task<Status> ChangePassword(const Caller& caller, std::string current, std::string next);

  // Resolves "Bearer <token>": a session token or an API key. kUnauthenticated when missing,
  // malformed, unknown, expired, revoked, or the account is disabled.
  Task<Result<Caller>> Authenticate(std::string_view bearer);
  // Forgets cached credentials of a user after their sessions or keys were revoked.
  void ForgetUser(const std::string& user_id) { cache_.EraseUser(user_id); }
  void ForgetToken(const std::string& token_hash) { cache_.Erase(token_hash); }

  // Writes the API-key use times collected in memory (and purges expired sessions and refresh
  // tokens). Blocking: call from a maintenance thread, not a coroutine.
  Status FlushAndPurge();

  // Hashes a password on the CPU pool (for admin-created accounts).
  Task<Result<std::string>> HashPassword(std::string password);

 private:
  Task<Result<Tokens>> Issue(store::User user, ClientInfo client, std::optional<std::string> new_hash);
  std::string Expiry(std::chrono::milliseconds ttl) const;

  store::AsyncDb& db_;
  BlockingPool& cpu_;
  const auth::PasswordHasher& hasher_;
  const AuthSettings settings_;
  LoginThrottle account_throttle_;
  LoginThrottle ip_throttle_;
  CredentialCache cache_;

  std::mutex last_used_mu_;
  std::unordered_map<std::string, SystemTime> api_key_last_used_;  // key id -> last use; guarded
};

}  // namespace chorus::services
