// The administrators' /api/v1/admin/providers: model providers managed at run time.
#include <boost/json.hpp>

#include "api/json.h"
#include "api/llm_routes.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

json::object ProviderJson(const services::ProviderView& p) {
  json::array models;
  for (const auto& m : p.models) {
    models.push_back(json::object{{"name", m.name}, {"upstream_model", m.upstream_model},
                                  {"input_price_per_million", m.input_price_per_million},
                                  {"output_price_per_million", m.output_price_per_million}, {"weight", m.weight}});
  }
  return json::object{{"object", "provider"}, {"name", p.name}, {"kind", p.kind}, {"base_url", p.base_url},
                      {"has_api_key", p.has_api_key}, {"is_active", p.is_active}, {"source", p.source},
                      {"models", std::move(models)}};
}

Result<services::ModelInput> ModelFrom(const json::value& v, size_t i) {
  const std::string param = "models[" + std::to_string(i) + "]";
  if (!v.is_object()) return Unexpected(ErrorCode::kInvalidArgument, "each model must be an object", param);
  const json::object& o = v.get_object();
  services::ModelInput m;
  CHORUS_ASSIGN_OR_RETURN(m.name, RequiredString(o, "name", 100));
  CHORUS_ASSIGN_OR_RETURN(auto upstream, OptionalString(o, "upstream_model", 200));
  m.upstream_model = upstream.value_or("");
  auto number = [&](std::string_view key, double& out) -> Status {
    const json::value* n = o.if_contains(key);
    if (!n || n->is_null()) return Ok();
    if (!n->is_number()) return Unexpected(ErrorCode::kInvalidArgument, std::string(key) + " must be a number", param);
    out = n->to_number<double>();
    return Ok();
  };
  CHORUS_TRY(number("input_price_per_million", m.input_price_per_million));
  CHORUS_TRY(number("output_price_per_million", m.output_price_per_million));
  double weight = 1;
  CHORUS_TRY(number("weight", weight));
  m.weight = static_cast<int>(weight);
  return m;
}

Result<services::ProviderInput> ProviderFrom(const json::object& body) {
  CHORUS_TRY(OnlyFields(body, {"kind", "base_url", "api_key", "models", "is_active"}));
  services::ProviderInput in;
  CHORUS_ASSIGN_OR_RETURN(in.kind, RequiredString(body, "kind", 20));
  CHORUS_ASSIGN_OR_RETURN(in.base_url, RequiredString(body, "base_url", 2048));
  CHORUS_ASSIGN_OR_RETURN(in.api_key, OptionalString(body, "api_key", 4096));
  CHORUS_ASSIGN_OR_RETURN(auto active, OptionalBool(body, "is_active"));
  in.is_active = active.value_or(true);
  const json::value* models = body.if_contains("models");
  if (!models || !models->is_array()) {
    return Unexpected(ErrorCode::kInvalidArgument, "models must be an array of {name, upstream_model, ...}", "models");
  }
  for (size_t i = 0; i < models->get_array().size(); ++i) {
    CHORUS_ASSIGN_OR_RETURN(auto m, ModelFrom(models->get_array()[i], i));
    in.models.push_back(std::move(m));
  }
  return in;
}

Task<Response> ListProviders(services::ModelCatalog& catalog, Request& req) {
  auto list = co_await catalog.List(CallerOf(req));
  if (!list) co_return http::ErrorResponse(list.error());
  co_return JsonListOf(*list, ProviderJson);
}

Task<Response> PutProvider(services::ModelCatalog& catalog, Request& req) {
  auto body = ParseObject(req);
  if (!body) co_return http::ErrorResponse(body.error());
  auto input = ProviderFrom(*body);
  if (!input) co_return http::ErrorResponse(input.error());
  auto stored = co_await catalog.Put(CallerOf(req), std::string(req.PathParam("name")), std::move(*input));
  if (!stored) co_return http::ErrorResponse(stored.error());
  co_return Json(200, ProviderJson(*stored));
}

Task<Response> DeleteProvider(services::ModelCatalog& catalog, Request& req) {
  auto deleted = co_await catalog.Delete(CallerOf(req), std::string(req.PathParam("name")));
  if (!deleted) co_return http::ErrorResponse(deleted.error());
  co_return Response::NoContent();
}

}  // namespace

Status AddProviderAdminRoutes(http::Router& router, services::ModelCatalog& catalog) {
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/admin/providers", Access::kAdmin,
                         [&catalog](Request& r) { return ListProviders(catalog, r); },
                         "Model providers: from the configuration file and managed here."}));
  CHORUS_TRY(router.Add({Method::kPut, "/api/v1/admin/providers/{name}", Access::kAdmin,
                         [&catalog](Request& r) { return PutProvider(catalog, r); },
                         "Create or replace a provider and its models (the key is sealed at rest)."}));
  CHORUS_TRY(router.Add({Method::kDelete, "/api/v1/admin/providers/{name}", Access::kAdmin,
                         [&catalog](Request& r) { return DeleteProvider(catalog, r); }, "Remove a provider."}));
  return Ok();
}

}  // namespace chorus::api
