// /api/v1/me: the caller's profile, password, settings and provider keys.
#include <boost/json.hpp>

#include "api/identity_json.h"
#include "api/identity_routes.h"
#include "api/json.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

Task<Response> GetMe(services::AccountService& accounts, Request& req) {
  auto user = co_await accounts.Get(CallerOf(req));
  if (!user) co_return http::ErrorResponse(user.error());
  co_return Json(200, UserJson(*user));
}

Task<Response> PatchMe(services::AccountService& accounts, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  // Role, credits, verification, account type and id are not the caller's to set: refused, not ignored.
  if (auto s = OnlyFields(*body, {"email", "username", "first_name", "last_name", "avatar"}); !s) {
    co_return http::ErrorResponse(s.error());
  }
  services::ProfilePatch patch;
  for (auto [key, field] : {std::pair{"email", &patch.email}, std::pair{"username", &patch.username},
                            std::pair{"first_name", &patch.first_name}, std::pair{"last_name", &patch.last_name},
                            std::pair{"avatar", &patch.avatar}}) {
    auto value = OptionalString(*body, key, 4096);
    if (!value) co_return http::ErrorResponse(value.error());
    *field = std::move(*value);
  }
  auto user = co_await accounts.Update(CallerOf(req), patch);
  if (!user) co_return http::ErrorResponse(user.error());
  co_return Json(200, UserJson(*user));
}

Task<Response> DeleteMe(services::AccountService& accounts, Request& req) {
  auto done = co_await accounts.Delete(CallerOf(req));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

Task<Response> ChangePassword(services::AuthService& auth, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  auto current = RequiredString(*body, "current_password", 1024);
  if (!current) co_return http::ErrorResponse(current.error());
  auto next = RequiredString(*body, "new_password", 1024);
  if (!next) co_return http::ErrorResponse(next.error());
  auto done = co_await auth.ChangePassword(CallerOf(req), std::move(*current), std::move(*next));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

Task<Response> GetSettings(services::AccountService& accounts, Request& req) {
  auto settings = co_await accounts.GetSettings(CallerOf(req));
  if (!settings) co_return http::ErrorResponse(settings.error());
  co_return Json(200, SettingsJson(*settings));
}

Task<Response> PatchSettings(services::AccountService& accounts, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto s = OnlyFields(*body, {"preferred_language", "summary_quality", "settings_json"}); !s) {
    co_return http::ErrorResponse(s.error());
  }
  store::UserSettingsPatch patch;
  auto language = OptionalString(*body, "preferred_language", 10);
  if (!language) co_return http::ErrorResponse(language.error());
  auto quality = OptionalString(*body, "summary_quality", 20);
  if (!quality) co_return http::ErrorResponse(quality.error());
  patch.preferred_language = std::move(*language);
  patch.summary_quality = std::move(*quality);
  if (auto it = body->find("settings_json"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "settings_json must be a JSON object.",
                                     "settings_json"});
    }
    patch.settings_json = json::serialize(it->value());
  }
  auto settings = co_await accounts.UpdateSettings(CallerOf(req), patch);
  if (!settings) co_return http::ErrorResponse(settings.error());
  co_return Json(200, SettingsJson(*settings));
}

Task<Response> ListProviders(services::ProviderKeyService& providers, Request& req) {
  auto list = co_await providers.List(CallerOf(req));
  if (!list) co_return http::ErrorResponse(list.error());
  json::array items;
  for (const auto& p : *list) items.push_back(ProviderJson(p));
  co_return JsonList(std::move(items), "");
}

Task<Response> PutProvider(services::ProviderKeyService& providers, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto s = OnlyFields(*body, {"api_key", "base_url", "is_active", "is_default"}); !s) {
    co_return http::ErrorResponse(s.error());
  }
  services::ProviderKeyWrite write;
  auto key = OptionalString(*body, "api_key", 4096);
  auto url = OptionalString(*body, "base_url", 2048);
  auto active = OptionalBool(*body, "is_active");
  auto is_default = OptionalBool(*body, "is_default");
  if (!key) co_return http::ErrorResponse(key.error());
  if (!url) co_return http::ErrorResponse(url.error());
  if (!active) co_return http::ErrorResponse(active.error());
  if (!is_default) co_return http::ErrorResponse(is_default.error());
  write.api_key = std::move(*key);
  write.base_url = std::move(*url);
  write.is_active = *active;
  write.is_default = *is_default;
  auto config = co_await providers.Put(CallerOf(req), std::string(req.PathParam("provider")), std::move(write));
  if (!config) co_return http::ErrorResponse(config.error());
  co_return Json(200, ProviderJson(*config));
}

Task<Response> DeleteProvider(services::ProviderKeyService& providers, Request& req) {
  auto done = co_await providers.Delete(CallerOf(req), std::string(req.PathParam("provider")));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

}  // namespace

Status AddMeRoutes(http::Router& router, const IdentityDeps& d) {
  auto& accounts = d.accounts;
  auto& auth = d.auth;
  auto& providers = d.providers;
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/me", Access::kUser,
                         [&accounts](Request& r) { return GetMe(accounts, r); }, "The caller's account."}));
  CHORUS_TRY(router.Add({Method::kPatch, "/api/v1/me", Access::kUser,
                         [&accounts](Request& r) { return PatchMe(accounts, r); }, "Change the caller's profile."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/me", Access::kUser,
                         [&accounts](Request& r) { return DeleteMe(accounts, r); },
                         "Delete the caller's account and everything it owns."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/me/password", Access::kUser,
                         [&auth](Request& r) { return ChangePassword(auth, r); },
                         "Change the password; other sessions end."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/me/settings", Access::kUser,
                         [&accounts](Request& r) { return GetSettings(accounts, r); }, "The caller's settings."}));
  CHORUS_TRY(router.Add({Method::kPatch, "/api/v1/me/settings", Access::kUser,
                         [&accounts](Request& r) { return PatchSettings(accounts, r); },
                         "Change the caller's settings."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/me/providers", Access::kUser,
                         [&providers](Request& r) { return ListProviders(providers, r); },
                         "The caller's provider keys (last four characters only)."}));
  CHORUS_TRY(router.Add({Method::kPut, "/api/v1/me/providers/{provider}", Access::kUser,
                         [&providers](Request& r) { return PutProvider(providers, r); },
                         "Set the caller's key and settings for a provider."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/me/providers/{provider}", Access::kUser,
                         [&providers](Request& r) { return DeleteProvider(providers, r); },
                         "Remove the caller's key for a provider."}));
  return Ok();
}

}  // namespace chorus::api
