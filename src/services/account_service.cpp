#include "services/account_service.h"

#include "auth/passwords.h"
#include "services/auth_service.h"

namespace chorus::services {

using store::Connection;

Task<Result<store::User>> AccountService::Get(const Caller& caller) {
  co_return co_await db_.Read([&](Connection& c) { return store::users::Get(c, caller.user_id); });
}

Task<Result<store::User>> AccountService::Update(const Caller& caller, const ProfilePatch& p) {
  if (caller.is_guest() && (p.email || p.username)) {
    co_return Unexpected(ErrorCode::kPermissionDenied, "Guests register to set an email or username.");
  }
  if (p.email) {
    if (auto s = auth::CheckEmail(*p.email); !s) co_return Unexpected(std::move(s).error());
  }
  if (p.username) {
    if (auto s = auth::CheckUsername(*p.username); !s) co_return Unexpected(std::move(s).error());
  }
  auto too_long = [](const std::optional<std::string>& v, size_t max) { return v && v->size() > max; };
  if (too_long(p.first_name, 100)) co_return Unexpected(ErrorCode::kInvalidArgument, "Too long.", "first_name");
  if (too_long(p.last_name, 100)) co_return Unexpected(ErrorCode::kInvalidArgument, "Too long.", "last_name");
  if (too_long(p.avatar, 2048)) co_return Unexpected(ErrorCode::kInvalidArgument, "Too long.", "avatar");
  auto user = co_await db_.Write([&](Connection& c) {
    return store::users::Update(c, caller.user_id, {.email = p.email, .username = p.username,
                                                    .first_name = p.first_name, .last_name = p.last_name,
                                                    .avatar = p.avatar});
  });
  if (!user && user.error().code == ErrorCode::kAlreadyExists) {
    co_return Unexpected(ErrorCode::kAlreadyExists, "That email or username is taken.");
  }
  co_return user;
}

Task<Status> AccountService::Delete(const Caller& caller) {
  auto done = co_await db_.Write([&](Connection& c) -> Status {
    if (caller.is_admin()) {
      CHORUS_ASSIGN_OR_RETURN(int64_t admins, store::users::CountAdmins(c));
      if (admins <= 1) return Unexpected(ErrorCode::kConflict, "The last administrator cannot delete itself.");
    }
    return store::users::Delete(c, caller.user_id);
  });
  if (done) auth_.ForgetUser(caller.user_id);
  co_return done;
}

Task<Result<store::UserSettings>> AccountService::GetSettings(const Caller& caller) {
  co_return co_await db_.Read([&](Connection& c) { return store::user_settings::Get(c, caller.user_id); });
}

Task<Result<store::UserSettings>> AccountService::UpdateSettings(const Caller& caller,
                                                                 const store::UserSettingsPatch& p) {
  if (p.preferred_language && (p.preferred_language->size() < 2 || p.preferred_language->size() > 10)) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "Must be 2 to 10 characters.", "preferred_language");
  }
  if (p.summary_quality && (p.summary_quality->empty() || p.summary_quality->size() > 20)) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "Must be 1 to 20 characters.", "summary_quality");
  }
  if (p.settings_json && p.settings_json->size() > 65536) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "settings_json must be at most 64 KiB.", "settings_json");
  }
  co_return co_await db_.Write([&](Connection& c) { return store::user_settings::Update(c, caller.user_id, p); });
}

}  // namespace chorus::services
