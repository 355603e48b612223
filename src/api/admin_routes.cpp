// /api/v1/admin/users: administration of accounts.
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

Task<Response> ListUsers(services::AdminService& admin, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  store::UserFilter filter;
  filter.access_role = req.Query("access_role");
  if (filter.access_role && *filter.access_role != "user" && *filter.access_role != "test" &&
      *filter.access_role != "admin") {
    co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "access_role must be user, test or admin.",
                                   "access_role"});
  }
  if (auto active = req.Query("is_active")) {
    if (*active != "true" && *active != "false") {
      co_return http::ErrorResponse({ErrorCode::kInvalidArgument, "is_active must be true or false.", "is_active"});
    }
    filter.is_active = *active == "true";
  }
  auto list = co_await admin.ListUsers(filter, *page);
  if (!list) co_return http::ErrorResponse(list.error());
  json::array items;
  for (const auto& u : list->items) items.push_back(UserJson(u));
  co_return JsonList(std::move(items), list->next_cursor);
}

Task<Response> PatchUser(services::AdminService& admin, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  if (auto s = OnlyFields(*body, {"access_role", "is_active"}); !s) co_return http::ErrorResponse(s.error());
  auto role = OptionalString(*body, "access_role", 16);
  if (!role) co_return http::ErrorResponse(role.error());
  auto active = OptionalBool(*body, "is_active");
  if (!active) co_return http::ErrorResponse(active.error());
  services::AdminUserPatch patch{.access_role = std::move(*role), .is_active = *active};
  auto user = co_await admin.UpdateUser(CallerOf(req), std::string(req.PathParam("id")), std::move(patch));
  if (!user) co_return http::ErrorResponse(user.error());
  co_return Json(200, UserJson(*user));
}

Task<Response> DeleteUser(services::AdminService& admin, Request& req) {
  auto done = co_await admin.DeleteUser(CallerOf(req), std::string(req.PathParam("id")));
  if (!done) co_return http::ErrorResponse(done.error());
  co_return Response::NoContent();
}

}  // namespace

Status AddAdminRoutes(http::Router& router, services::AdminService& admin) {
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/admin/users", Access::kAdmin,
                         [&admin](Request& r) { return ListUsers(admin, r); },
                         "List accounts (filters: access_role, is_active)."}));
  CHORUS_TRY(router.Add({Method::kPatch, "/api/v1/admin/users/{id}", Access::kAdmin,
                         [&admin](Request& r) { return PatchUser(admin, r); },
                         "Change an account's role or disable it (revoking its credentials)."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/admin/users/{id}", Access::kAdmin,
                         [&admin](Request& r) { return DeleteUser(admin, r); },
                         "Delete an account and everything it owns."}));
  return Ok();
}

}  // namespace chorus::api
