// GET /api/v1/usage.
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

Task<Response> GetUsage(services::UsageService& usage, Request& req) {
  auto report = co_await usage.Report(CallerOf(req), req.Query("from"), req.Query("to"));
  if (!report) co_return http::ErrorResponse(report.error());
  json::array models;
  double cost = 0;
  int64_t input = 0, output = 0, requests = 0;
  for (const auto& m : report->models) {
    models.push_back(json::object{{"date", m.date}, {"model", m.model}, {"provider", m.provider},
                                  {"requests", m.requests}, {"input_tokens", m.input_tokens},
                                  {"output_tokens", m.output_tokens}, {"cost", m.cost}});
    cost += m.cost;
    input += m.input_tokens;
    output += m.output_tokens;
    requests += m.requests;
  }
  json::array services;
  for (const auto& d : report->services) {
    services.push_back(json::object{{"date", d.date}, {"service", d.service}, {"requests", d.request_count},
                                    {"tokens", d.token_count}, {"audio_seconds", d.audio_seconds},
                                    {"characters", d.characters}, {"cost", d.cost}});
  }
  co_return Json(200, json::object{{"object", "usage"},
                                   {"from", report->from},
                                   {"to", report->to},
                                   {"models", std::move(models)},
                                   {"services", std::move(services)},
                                   {"totals", json::object{{"requests", requests}, {"input_tokens", input},
                                                           {"output_tokens", output}, {"cost", cost}}}});
}

}  // namespace

Status AddUsageRoutes(http::Router& router, services::UsageService& usage) {
  return router.Add({Method::kGet, "/api/v1/usage", Access::kUser, [&usage](Request& r) { return GetUsage(usage, r); },
                     "The caller's tokens and cost by day and model, and every service's daily counters."});
}

}  // namespace chorus::api
