#include "services/admin_service.h"

#include "auth/passwords.h"
#include "base/log.h"
#include "base/time.h"
#include "services/auth_service.h"
#include "store/credentials.h"

namespace chorus::services {

using store::Connection;

namespace {

// True when `target` is an active administrator and the change would remove the last one.
Result<bool> WouldRemoveLastAdmin(Connection& c, const store::User& target) {
  if (target.access_role != "admin" || !target.is_active) return false;
  CHORUS_ASSIGN_OR_RETURN(int64_t admins, store::users::CountAdmins(c));
  return admins <= 1;
}

}  // namespace

Task<Result<store::Page<store::User>>> AdminService::ListUsers(store::UserFilter filter, store::PageRequest page) {
  co_return co_await db_.Read([&](Connection& c) { return store::users::List(c, filter, page); });
}

Task<Result<store::User>> AdminService::UpdateUser(const Caller& actor, std::string id, AdminUserPatch p) {
  if (p.access_role && *p.access_role != "user" && *p.access_role != "test" && *p.access_role != "admin") {
    co_return Unexpected(ErrorCode::kInvalidArgument, "access_role must be user, test or admin.", "access_role");
  }
  const std::string now = NowTimestamp();
  auto user = co_await db_.Write([&](Connection& c) -> Result<store::User> {
    CHORUS_ASSIGN_OR_RETURN(store::User target, store::users::Get(c, id));
    const bool demoted = p.access_role && *p.access_role != "admin";
    const bool disabled = p.is_active && !*p.is_active;
    if (demoted || disabled) {
      CHORUS_ASSIGN_OR_RETURN(bool last, WouldRemoveLastAdmin(c, target));
      if (last) return Unexpected(ErrorCode::kConflict, "That would leave no active administrator.");
    }
    if (disabled) {
      CHORUS_TRY(store::sessions::RevokeAllForUser(c, id, {}, now));
      CHORUS_TRY(store::refresh_tokens::RevokeAllForUser(c, id, now));
      CHORUS_TRY(store::api_keys::RevokeAllForUser(c, id, now));
    }
    return store::users::Update(c, id, {.is_active = p.is_active, .access_role = p.access_role});
  });
  if (user) {
    auth_.ForgetUser(id);
    log::Info("account changed by administrator", {{"user_id", id}, {"admin_id", actor.user_id}});
  }
  co_return user;
}

Task<Status> AdminService::DeleteUser(const Caller& actor, std::string id) {
  auto done = co_await db_.Write([&](Connection& c) -> Status {
    CHORUS_ASSIGN_OR_RETURN(store::User target, store::users::Get(c, id));
    CHORUS_ASSIGN_OR_RETURN(bool last, WouldRemoveLastAdmin(c, target));
    if (last) return Unexpected(ErrorCode::kConflict, "The last administrator cannot be deleted.");
    return store::users::Delete(c, id);
  });
  if (done) {
    auth_.ForgetUser(id);
    log::Info("account deleted by administrator", {{"user_id", id}, {"admin_id", actor.user_id}});
  }
  co_return done;
}

Task<Result<store::User>> AdminService::CreateUser(NewAccount a) {
  if (auto s = auth::CheckEmail(a.email); !s) co_return Unexpected(std::move(s).error());
  if (auto s = auth::CheckUsername(a.username); !s) co_return Unexpected(std::move(s).error());
  if (auto s = auth::CheckNewPassword(a.password); !s) co_return Unexpected(std::move(s).error());
  auto hash = co_await auth_.HashPassword(a.password);
  if (!hash) co_return Unexpected(std::move(hash).error());
  co_return co_await db_.Write([&](Connection& c) {
    return store::users::Create(c, {.email = a.email, .username = a.username, .password_hash = *hash,
                                    .access_role = a.access_role});
  });
}

Task<Result<int64_t>> AdminService::CountAdmins() {
  co_return co_await db_.Read([](Connection& c) { return store::users::CountAdmins(c); });
}

}  // namespace chorus::services
