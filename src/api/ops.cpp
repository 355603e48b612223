#include "api/ops.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace chorus::api {
namespace {

using http::Access;
using http::Method;
using http::Request;
using http::Response;

Response Healthz() {
  static const std::string kBody = R"({"status":"ok"})";
  return Response::Json(200, kBody);
}

Response ReadinessResponse(const services::Readiness& r) {
  if (!r.ready) {
    std::string message = "not ready: " + r.reason;
    return http::ErrorResponse({ErrorCode::kUnavailable, std::move(message)});
  }
  return Response::Json(200, fmt::format(R"({{"status":"ready","database":"{}","migrations":{{"applied":{},"latest":{}}}}})",
                                         r.database, r.applied, r.latest));
}

}  // namespace

Status AddOpsRoutes(http::Router& router, OpsDeps deps) {
  CHORUS_TRY(router.Add({Method::kGet, "/healthz", Access::kPublic,
                         [](Request&) -> Task<Response> { co_return Healthz(); },
                         "Liveness: the process is up."}));
  CHORUS_TRY(router.Add({Method::kGet, "/readyz", Access::kPublic,
                         [&health = deps.health](Request&) -> Task<Response> {
                           co_return ReadinessResponse(co_await health.CheckReadiness());
                         },
                         "Readiness: the database answers and every migration is applied."}));
  CHORUS_TRY(router.Add({Method::kGet, "/metrics", Access::kPublic,
                         [&metrics = deps.metrics](Request&) -> Task<Response> {
                           co_return Response::Text(200, metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
                         },
                         "Prometheus metrics."}));
  return Ok();
}

}  // namespace chorus::api
