// Micro-benchmarks of the per-request path: routing, dispatch, request ids, error bodies, log lines,
// reading a provider's stream chunk.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <stdlib.h>

#include "auth/passwords.h"
#include "auth/tokens.h"
#include "base/ids.h"
#include "services/auth_service.h"
#include "store/credentials.h"
#include "store/migrate.h"
#include "store/sqlite/sqlite_database.h"
#include "store/users.h"
#include "base/log.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "llm/usage_scan.h"

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

// Authenticating a request whose API key is in the credential cache: SHA-256 of the key, one
// sharded map lookup, the caller copied out, the use time noted for the next batched write.
void BM_AuthenticateCachedApiKey(benchmark::State& state) {
  char dir_template[] = "/tmp/chorus-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  auto db = std::move(*store::sqlite::Open({.path = dir + "/bench.db"}));
  (void)store::ApplyMigrations(*db, store::EmbeddedMigrations(store::Dialect::kSqlite));
  const std::string key = auth::NewToken(auth::kApiKeyPrefix);
  {
    auto lease = std::move(*db->Acquire(store::Access::kWrite));
    auto user = std::move(*store::users::Create(*lease, {.email = "b@example.com", .username = "bench",
                                                         .password_hash = "x"}));
    (void)store::api_keys::Create(*lease, {.user_id = user.id, .name = "bench", .key_hash = auth::TokenHash(key),
                                           .key_prefix = key.substr(0, 14), .scopes = {"all"}});
  }
  BlockingPool pool(2);
  store::AsyncDb async_db(*db, pool);
  auth::PasswordHasher hasher({.memory_bytes = 8 * 1024 * 1024, .iterations = 1});
  services::AuthService service(async_db, pool, hasher, {.credential_cache_ttl = std::chrono::hours(1)});
  boost::asio::io_context io;
  boost::asio::co_spawn(
      io,
      [&]() -> Task<void> {
        auto first = co_await service.Authenticate(key);  // fills the cache
        if (!first) state.SkipWithError("authentication failed");
        for (auto _ : state) {
          auto caller = co_await service.Authenticate(key);
          benchmark::DoNotOptimize(caller);
        }
      },
      boost::asio::detached);
  io.run();
  pool.Join();
  db.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_AuthenticateCachedApiKey);

// A conversation's streamed reply: each provider chunk is read for its usage and its text in one
// SAX pass; the document parse it replaced is measured alongside for the ratio.
constexpr std::string_view kTextChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764288000,"model":"gpt-4o-mini",)"
    R"("choices":[{"index":0,"delta":{"content":" the quick brown fox"},"logprobs":null,"finish_reason":null}],)"
    R"("usage":null})";

void BM_ChunkTextScanned(benchmark::State& state) {
  std::string text;
  for (auto _ : state) {
    llm::Usage usage;
    bool no_choices = false;
    text.clear();
    benchmark::DoNotOptimize(llm::ScanChunkUsage(kTextChunk, usage, no_choices, &text));
  }
}
BENCHMARK(BM_ChunkTextScanned);

void BM_ChunkParsedIntoADocument(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(boost::json::parse(kTextChunk));
}
BENCHMARK(BM_ChunkParsedIntoADocument);

}  // namespace
}  // namespace chorus

BENCHMARK_MAIN();
