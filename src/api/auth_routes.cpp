// /api/v1/auth/*: register, login, refresh, logout, guest.
#include <boost/json.hpp>

#include "api/identity_json.h"
#include "api/identity_routes.h"
#include "api/json.h"
#include "base/strings.h"

namespace chorus::api {
namespace {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

services::ClientInfo ClientOf(const Request& r) {
  return {r.remote_address(), std::string(r.Header("User-Agent").substr(0, 512))};
}

// Token responses must not be stored by intermediaries.
Response TokenResponse(int status, const services::Tokens& tokens) {
  Response r = Json(status, TokensJson(tokens));
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

Task<Response> Register(services::AuthService& auth, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  auto email = RequiredString(*body, "email", 255);
  auto username = RequiredString(*body, "username", 100);
  auto password = RequiredString(*body, "password", 1024);
  for (const auto* field : {&email, &username, &password}) {
    if (!*field) co_return http::ErrorResponse(field->error());
  }
  // A guest who registers keeps their account: the bearer token, when present, says who. Anyone
  // else who is already signed in is refused rather than given a second account.
  std::optional<services::Caller> guest;
  if (!BearerToken(req).empty()) {
    auto caller = co_await auth.Authenticate(BearerToken(req));
    if (!caller) co_return http::ErrorResponse(caller.error());
    guest = std::move(*caller);
  }
  const services::Registration registration{*email, *username, *password};
  auto user = co_await auth.Register(registration, guest ? &*guest : nullptr);
  if (!user) co_return http::ErrorResponse(user.error());
  co_return Json(201, UserJson(*user));
}

Task<Response> Login(services::AuthService& auth, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  // "login" is an email or a username; "email" and "username" are accepted in its place.
  std::optional<std::string> login;
  for (const char* key : {"login", "email", "username"}) {
    auto value = OptionalString(*body, key, 255);
    if (!value) co_return http::ErrorResponse(value.error());
    if (!login && *value) login = std::move(**value);
  }
  if (!login) co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "login is required.", "login"});
  auto password = RequiredString(*body, "password", 1024);
  if (!password) co_return http::ErrorResponse(password.error());
  auto tokens = co_await auth.Login(std::move(*login), std::move(*password), ClientOf(req));
  if (!tokens) co_return http::ErrorResponse(tokens.error());
  co_return TokenResponse(200, *tokens);
}

Task<Response> Refresh(services::AuthService& auth, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  auto token = RequiredString(*body, "refresh_token", 256);
  if (!token) co_return http::ErrorResponse(token.error());
  auto tokens = co_await auth.Refresh(std::move(*token), ClientOf(req));
  if (!tokens) co_return http::ErrorResponse(tokens.error());
  co_return TokenResponse(200, *tokens);
}

Task<Response> Logout(services::AuthService& auth, Request& req) {
  auto done = co_await auth.Logout(CallerOf(req));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

Task<Response> Guest(services::AuthService& auth, Request& req) {
  auto tokens = co_await auth.CreateGuest(ClientOf(req));
  if (!tokens) co_return http::ErrorResponse(tokens.error());
  co_return TokenResponse(201, *tokens);
}

}  // namespace

std::string_view BearerToken(const Request& request) {
  const std::string_view header = Trim(request.Header("Authorization"));
  if (header.size() < 7 || !IEquals(header.substr(0, 7), "Bearer ")) return {};
  return Trim(header.substr(7));
}

Task<Result<http::Principal>> BearerAuthenticator::Authenticate(const Request& request) {
  const std::string_view token = BearerToken(request);
  if (token.empty()) co_return Unexpected(ErrorCode::kUnauthenticated, "Authentication is required.");
  auto caller = co_await auth_.Authenticate(token);
  if (!caller) co_return Unexpected(std::move(caller).error());
  http::Principal p;
  p.user_id = std::move(caller->user_id);
  p.is_admin = caller->access_role == "admin";
  p.access_role = std::move(caller->access_role);
  p.account_type = std::move(caller->account_type);
  p.session_id = std::move(caller->session_id);
  p.api_key_id = std::move(caller->api_key_id);
  p.scopes = std::move(caller->scopes);
  co_return p;
}

Status AddAuthRoutes(http::Router& router, services::AuthService& auth) {
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/auth/register", Access::kPublic,
                         [&auth](Request& r) { return Register(auth, r); },
                         "Create an account (a guest's bearer token upgrades that guest)."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/auth/login", Access::kPublic,
                         [&auth](Request& r) { return Login(auth, r); }, "Log in with email or username."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/auth/refresh", Access::kPublic,
                         [&auth](Request& r) { return Refresh(auth, r); }, "Rotate a refresh token."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/auth/logout", Access::kUser,
                         [&auth](Request& r) { return Logout(auth, r); }, "End the current session."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/auth/guest", Access::kPublic,
                         [&auth](Request& r) { return Guest(auth, r); }, "Create a guest account."}));
  return Ok();
}

}  // namespace chorus::api
