// Users: one row per account (seeds 000, 001, 002, 004). Not per-user scoped — a user row is the
// scope — so these are for identity services and administrators. Every function runs on the
// connection it is given, inside the caller's transaction if there is one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct User {
  std::string id;
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> password_hash;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> avatar;
  bool is_active = true;
  bool is_verified = false;
  std::string account_type = "registered";  // system | guest | registered
  std::string access_role = "user";         // user | test | admin
  int64_t credits = 10;
  std::string metadata = "{}";  // a JSON object
  std::optional<std::string> last_login_at;
  std::optional<std::string> last_seen_at;
  std::optional<std::string> last_credit_refresh;
  std::string created_at;
  std::string updated_at;
};

struct NewUser {
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> password_hash;
  std::string account_type = "registered";
  std::string access_role = "user";
  int64_t credits = 10;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::string metadata = "{}";
};

// Fields an update may change; unset fields stay as they are.
struct UserPatch {
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> password_hash;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> avatar;
  std::optional<bool> is_active;
  std::optional<bool> is_verified;
  std::optional<std::string> account_type;
  std::optional<std::string> access_role;
  std::optional<std::string> metadata;
  std::optional<std::string> last_login_at;
  std::optional<std::string> last_seen_at;
};

struct UserFilter {
  std::optional<std::string> access_role;
  std::optional<bool> is_active;
};

namespace users {

// kAlreadyExists when the email or username (case-insensitively) is taken; kInvalidArgument when a
// CHECK fails (a registered user without a password, an unknown role).
Result<User> Create(Connection& conn, const NewUser& user);
// kNotFound.
Result<User> Get(Connection& conn, std::string_view id);
// By email or username, case-insensitively. kNotFound.
Result<User> FindByLogin(Connection& conn, std::string_view email_or_username);
// kNotFound; kAlreadyExists; kInvalidArgument.
Result<User> Update(Connection& conn, std::string_view id, const UserPatch& patch);
// Deletes the user and, through the foreign keys, everything the user owns. kNotFound.
Status Delete(Connection& conn, std::string_view id);
// Newest first.
Result<Page<User>> List(Connection& conn, const UserFilter& filter, const PageRequest& page);
// Adds `delta` (may be negative) to the balance and returns it. kFailedPrecondition when the
// balance would go below zero; kNotFound.
Result<int64_t> AddCredits(Connection& conn, std::string_view id, int64_t delta);
Result<int64_t> CountAdmins(Connection& conn);

}  // namespace users
}  // namespace chorus::store
