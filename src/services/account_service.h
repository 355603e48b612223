// The caller's own account: profile, settings, deletion. Every method acts on the caller's user id
// only. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "base/async.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/user_settings.h"
#include "store/users.h"

namespace chorus::services {

class AuthService;

// What a user may change about themselves. Role, credits, verification, account type and id are
// deliberately absent: the API refuses them before they get here.
struct ProfilePatch {
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> avatar;
};

class AccountService {
 public:
  AccountService(store::AsyncDb& db, AuthService& auth) : db_(db), auth_(auth) {}

  Task<Result<store::User>> Get(const Caller& caller);
  // kInvalidArgument (param names the field), kAlreadyExists.
  Task<Result<store::User>> Update(const Caller& caller, const ProfilePatch& patch);
  // Deletes the account and everything it owns. kConflict for the last active administrator.
  Task<Status> Delete(const Caller& caller);

  Task<Result<store::UserSettings>> GetSettings(const Caller& caller);
  // settings_json must be a JSON object of at most 64 KiB (checked by the caller's parser and the
  // database); preferred_language 2-10 characters; summary_quality 1-20.
  Task<Result<store::UserSettings>> UpdateSettings(const Caller& caller, const store::UserSettingsPatch& patch);

 private:
  store::AsyncDb& db_;
  AuthService& auth_;
};

}  // namespace chorus::services
