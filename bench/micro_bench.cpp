// Micro-benchmarks of the per-request path: routing, dispatch, request ids, error bodies, log lines.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "base/ids.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/router.h"

namespace chorus {
namespace {

using http::Access;
using http::Method;

http::Handler Noop() {
  return [](http::Request&) -> Task<http::Response> { co_return http::Response::Json(200, R"({"status":"ok"})"); };
}

// A table shaped like the API Chorus is growing into.
void FillRouter(http::Router& router) {
  const char* patterns[] = {"/healthz", "/readyz", "/metrics", "/v1/models", "/v1/chat/completions",
                            "/v1/audio/speech", "/v1/audio/transcriptions", "/api/v1/me", "/api/v1/me/settings",
                            "/api/v1/api-keys", "/api/v1/api-keys/{id}", "/api/v1/jobs", "/api/v1/jobs/{id}",
                            "/api/v1/jobs/{id}/cancel", "/api/v1/transcriptions", "/api/v1/transcriptions/{id}",
                            "/api/v1/tracks/{id}/audio", "/api/v1/conversations/{id}/messages",
                            "/api/v1/admin/users/{id}"};
  for (const char* p : patterns) (void)router.Add({Method::kGet, p, Access::kPublic, Noop(), ""});
}

void BM_RouterFindStatic(benchmark::State& state) {
  http::Router router;
  FillRouter(router);
  for (auto _ : state) benchmark::DoNotOptimize(router.Find(Method::kGet, "/healthz"));
}
BENCHMARK(BM_RouterFindStatic);

void BM_RouterFindWithParams(benchmark::State& state) {
  http::Router router;
  FillRouter(router);
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.Find(Method::kGet, "/api/v1/conversations/0190f4c2-6a8e-7cc1-9d2b-3f1e5a7b9c0d/messages"));
  }
}
BENCHMARK(BM_RouterFindWithParams);

void BM_DispatchHealthz(benchmark::State& state) {
  http::Router router;
  FillRouter(router);
  http::HttpMetrics metrics(router);
  http::Dispatcher dispatcher(router, metrics, {.access_log = false});
  boost::asio::io_context io;
  for (auto _ : state) {
    boost::asio::co_spawn(
        io,
        [&]() -> Task<void> {
          http::Request request(Method::kGet, "/healthz");
          http::Response response = co_await dispatcher.Dispatch(request);
          dispatcher.Record(request, response.status, response.body.size(), std::chrono::microseconds(10));
          benchmark::DoNotOptimize(response);
        },
        boost::asio::detached);
    io.run();
    io.restart();
  }
}
BENCHMARK(BM_DispatchHealthz);

void BM_NewRequestId(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NewRequestId());
}
BENCHMARK(BM_NewRequestId);

void BM_NewUuidV7(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NewUuidV7());
}
BENCHMARK(BM_NewUuidV7);

void BM_ErrorBody(benchmark::State& state) {
  const Error error{ErrorCode::kInvalidArgument, "model is required", "model"};
  for (auto _ : state) benchmark::DoNotOptimize(http::ErrorBody(error));
}
BENCHMARK(BM_ErrorBody);

void BM_AccessLogLineJson(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(log::Render(log::Format::kJson, log::Level::kInfo, "request",
                                         {{"method", "GET"}, {"route", "/healthz"}, {"status", 200},
                                          {"bytes", 15}, {"us", 42}, {"request_id", "3d5f1c991dcac510a0e58eb325b20107"}}));
  }
}
BENCHMARK(BM_AccessLogLineJson);

}  // namespace
}  // namespace chorus

BENCHMARK_MAIN();
