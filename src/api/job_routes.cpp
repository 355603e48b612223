// /api/v1/jobs and the caller's webhook secret.
#include <boost/json.hpp>

#include "api/job_routes.h"
#include "api/json.h"

namespace chorus::api {
namespace {

namespace json = boost::json;
using http::Access;
using http::Method;
using http::Request;
using http::Response;

Task<Response> GetJob(services::JobService& jobs, Request& req) {
  auto job = co_await jobs.Get(CallerOf(req), std::string(req.PathParam("id")));
  if (!job) co_return http::ErrorResponse(job.error());
  co_return Json(200, JobJson(*job));
}

Task<Response> ListJobs(services::JobService& jobs, Request& req) {
  auto page = PageParams(req);
  if (!page) co_return http::ErrorResponse(page.error());
  store::JobFilter filter{.kind = req.Query("kind"), .status = req.Query("status")};
  auto list = co_await jobs.List(CallerOf(req), std::move(filter), *page);
  if (!list) co_return http::ErrorResponse(list.error());
  json::array items;
  for (const auto& j : list->items) items.push_back(JobJson(j));
  co_return JsonList(std::move(items), list->next_cursor);
}

Task<Response> CancelJob(services::JobService& jobs, Request& req) {
  auto job = co_await jobs.Cancel(CallerOf(req), std::string(req.PathParam("id")));
  if (!job) co_return http::ErrorResponse(job.error());
  co_return Json(200, JobJson(*job));
}

Response SecretResponse(const std::string& secret) {
  Response r = Json(200, json::object{{"object", "webhook_secret"}, {"secret", secret}});
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

Task<Response> GetSecret(services::JobService& jobs, Request& req) {
  auto secret = co_await jobs.WebhookSecret(CallerOf(req));
  if (!secret) co_return http::ErrorResponse(secret.error());
  co_return SecretResponse(*secret);
}

Task<Response> RotateSecret(services::JobService& jobs, Request& req) {
  auto secret = co_await jobs.RotateWebhookSecret(CallerOf(req));
  if (!secret) co_return http::ErrorResponse(secret.error());
  co_return SecretResponse(*secret);
}

}  // namespace

json::object JobJson(const store::Job& j) {
  auto opt = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
  return json::object{{"id", j.id},
                      {"object", "job"},
                      {"kind", j.kind},
                      {"status", j.status},
                      {"subject_type", opt(j.subject_type)},
                      {"subject_id", opt(j.subject_id)},
                      {"priority", j.priority},
                      {"attempts", j.attempts},
                      {"max_attempts", j.max_attempts},
                      {"run_at", j.run_at},
                      {"cancel_requested", j.cancel_requested},
                      {"callback_url", opt(j.callback_url)},
                      {"last_error", opt(j.last_error)},
                      {"result", StoredJsonOrNull(j.result)},
                      {"created_at", j.created_at},
                      {"updated_at", j.updated_at},
                      {"started_at", opt(j.started_at)},
                      {"finished_at", opt(j.finished_at)}};
}

Status AddJobRoutes(http::Router& router, services::JobService& jobs) {
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/jobs", Access::kUser,
                         [&jobs](Request& r) { return ListJobs(jobs, r); },
                         "The caller's jobs, newest first (filters: kind, status)."}));
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/jobs/{id}", Access::kUser,
                         [&jobs](Request& r) { return GetJob(jobs, r); }, "One of the caller's jobs."}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/jobs/{id}/cancel", Access::kUser,
                         [&jobs](Request& r) { return CancelJob(jobs, r); },
                         "Cancel a job: at once if pending, cooperatively if running."}));
  // The secret signs deliveries to URLs the caller chose: reading it needs the "all" scope.
  CHORUS_TRY(router.Add({Method::kGet, "/api/v1/me/webhook-secret", Access::kUser,
                         [&jobs](Request& r) { return GetSecret(jobs, r); },
                         "The secret that signs the caller's webhooks (made on first use).", "all"}));
  CHORUS_TRY(router.Add({Method::kPost, "/api/v1/me/webhook-secret", Access::kUser,
                         [&jobs](Request& r) { return RotateSecret(jobs, r); },
                         "Replace the caller's webhook secret.", "all"}));
  return Ok();
}

}  // namespace chorus::api
