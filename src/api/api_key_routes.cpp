// /api/v1/api-keys: the caller's API keys.
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

Task<Response> CreateKey(services::ApiKeyService& keys, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto s = OnlyFields(*body, {"name", "scopes", "expires_at"}); !s) co_return http::ErrorResponse(s.error());
  services::NewApiKeyRequest request;
  auto name = RequiredString(*body, "name", 255);
  if (!name) co_return http::ErrorResponse(name.error());
  request.name = std::move(*name);
  if (auto it = body->find("scopes"); it != body->end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "scopes must be an array of strings.", "scopes"});
    }
    request.scopes.clear();
    for (const auto& s : it->value().as_array()) {
      if (!s.is_string()) {
        co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "scopes must be an array of strings.", "scopes"});
      }
      request.scopes.emplace_back(s.as_string());
    }
  }
  auto expires = OptionalString(*body, "expires_at", 64);
  if (!expires) co_return http::ErrorResponse(expires.error());
  request.expires_at = std::move(*expires);
  auto created = co_await keys.Create(CallerOf(req), std::move(request));
  if (!created) co_return http::ErrorResponse(created.error());
  json::object o = ApiKeyJson(created->record);
  o["key"] = created->key;  // the only time the secret is shown
  Response r = Json(201, o);
  r.SetHeader("Cache-Control", "no-store");
  co_return r;
}

Task<Response> ListKeys(services::ApiKeyService& keys, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  auto list = co_await keys.List(CallerOf(req), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  json::array items;
  for (const auto& k : list->items) items.push_back(ApiKeyJson(k));
  co_return JsonList(std::move(items), list->next_cursor);
}

Task<Response> RevokeKey(services::ApiKeyService& keys, Request& req) {
  auto done = co_await keys.Revoke(CallerOf(req), std::string(req.PathParam("id")));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

}  // namespace

Status AddApiKeyRoutes(http::Router& router, services::ApiKeyService& keys) {
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/api-keys", Access::kUser,
                         [&keys](Request& r) { return ListKeys(keys, r); }, "The caller's API keys."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/api-keys", Access::kUser,
                         [&keys](Request& r) { return CreateKey(keys, r); },
                         "Create an API key; its secret is shown once."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/api-keys/{id}", Access::kUser,
                         [&keys](Request& r) { return RevokeKey(keys, r); }, "Revoke an API key."}));
  return Ok();
}

}  // namespace chorus::api
