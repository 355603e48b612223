// Administration of accounts: list, change role, disable (revoking every credential), delete, and
// create (for `chorus admin create-user` and the bootstrap administrator). Routes that reach it
// are declared admin-only; the service also refuses to leave the system without an active
// administrator.
#pragma once

#include <optional>
#include <string>

#include "base/async.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/page.h"
#include "store/users.h"

namespace chorus::services {

class AuthService;

struct AdminUserPatch {
  std::optional<std::string> access_role;  // user | test | admin
  std::optional<bool> is_active;
};

struct NewAccount {
  std::string email;
  std::string username;
  std::string password;
  std::string access_role = "user";
};

class AdminService {
 public:
  AdminService(store::AsyncDb& db, AuthService& auth) : db_(db), auth_(auth) {}

  Task<Result<store::Page<store::User>>> ListUsers(store::UserFilter filter, store::PageRequest page);
  // Disabling revokes the user's sessions, refresh tokens and API keys. kNotFound; kInvalidArgument
  // (unknown role); kConflict when it would leave no active administrator.
  Task<Result<store::User>> UpdateUser(const Caller& actor, std::string id, AdminUserPatch patch);
  // Deletes the user and everything they own. kNotFound; kConflict for the last administrator.
  Task<Status> DeleteUser(const Caller& actor, std::string id);
  // A registered account with the password rules enforced.
  Task<Result<store::User>> CreateUser(NewAccount account);
  Task<Result<int64_t>> CountAdmins();

 private:
  store::AsyncDb& db_;
  AuthService& auth_;
};

}  // namespace chorus::services
