// `chorus serve` as a process: operations endpoints, access log, SIGTERM drain, against both
// databases.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <csignal>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/test_db.h"

namespace chorus {
namespace {

using namespace std::chrono_literals;
using testing::ChorusServer;
using testing::Fetch;
using testing::RawConnection;
using testing::RunCommand;
using testing::TempDir;
using testing::TestDatabase;

class ServeTest : public ::testing::TestWithParam<store::Dialect> {
 protected:
  void SetUp() override { db_ = TestDatabase::Create(GetParam()); }
  std::unique_ptr<ChorusServer> Start(std::vector<std::string> extra = {}) {
    auto server = std::make_unique<ChorusServer>(CHORUS_BINARY, db_->url(), dir_.path() / "data", std::move(extra));
    EXPECT_TRUE(server->started()) << server->Log();
    return server;
  }
  TempDir dir_;
  std::unique_ptr<TestDatabase> db_;
};

TEST_P(ServeTest, ServesHealthReadinessAndMetrics) {
  auto server = Start();
  ASSERT_TRUE(server->started());
  auto health = Fetch(server->port(), "GET", "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  EXPECT_EQ(health->Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(health->Header("X-Request-Id").size(), 32u);

  auto ready = Fetch(server->port(), "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto ready_json = boost::json::parse(ready->body);
  EXPECT_EQ(ready_json.at("database").as_string(), store::DialectName(GetParam()));

  // A request is counted once its response has been written, which may be just after the client
  // read it: look again for a moment before calling a family missing.
  const std::vector<std::string> families = {
      "chorus_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
      "chorus_http_request_duration_seconds_bucket{method=\"GET\",route=\"/readyz\"",
      "chorus_http_in_flight_requests 1", "chorus_db_connections{pool=", "process_resident_memory_bytes"};
  auto has_all = [&](const std::string& body) {
    return std::all_of(families.begin(), families.end(), [&](const auto& f) { return body.find(f) != std::string::npos; });
  };
  auto metrics = Fetch(server->port(), "GET", "/metrics");
  for (int i = 0; i < 100 && metrics && !has_all(metrics->body); ++i) {
    std::this_thread::sleep_for(20ms);
    metrics = Fetch(server->port(), "GET", "/metrics");
  }
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->Header("Content-Type").find("text/plain"), std::string::npos);
  for (const auto& family : families) {
    EXPECT_NE(metrics->body.find(family), std::string::npos) << family << "\n" << metrics->body;
  }
}

TEST_P(ServeTest, UnknownRoutesAndMethodsGetJsonErrors) {
  auto server = Start();
  ASSERT_TRUE(server->started());
  auto missing = Fetch(server->port(), "GET", "/nope", "", "X-Request-Id: trace-me-1\r\n");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("X-Request-Id"), "trace-me-1");
  auto error = boost::json::parse(missing->body).at("error");
  EXPECT_EQ(error.at("type").as_string(), "invalid_request_error");
  EXPECT_TRUE(error.at("param").is_null());
  auto wrong = Fetch(server->port(), "DELETE", "/healthz");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_NE(wrong->Header("Allow").find("GET"), std::string::npos);
}

TEST_P(ServeTest, AccessLogHasOneLinePerRequestAndNoHeadersOrBodies) {
  auto server = Start({"--log-format", "json"});
  ASSERT_TRUE(server->started());
  const std::string secret = "sk-canary-5f2e9d81c4";
  auto r = Fetch(server->port(), "GET", "/healthz", "", "Authorization: Bearer " + secret + "\r\nX-Request-Id: log-line-1\r\n");
  ASSERT_TRUE(r);
  auto r2 = Fetch(server->port(), "POST", "/healthz", "body-" + secret);
  ASSERT_TRUE(r2);
  std::this_thread::sleep_for(200ms);  // the logger writes from its own thread
  server->process().Signal(SIGTERM);
  ASSERT_TRUE(server->process().Wait(10s));
  const std::string log = server->Log();
  EXPECT_EQ(log.find("canary"), std::string::npos) << "a header or body reached the log";
  bool found = false;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("log-line-1") == std::string::npos) continue;
    auto v = boost::json::parse(line);
    EXPECT_EQ(v.at("msg").as_string(), "request");
    EXPECT_EQ(v.at("method").as_string(), "GET");
    EXPECT_EQ(v.at("route").as_string(), "/healthz");
    EXPECT_EQ(v.at("status").to_number<int>(), 200);
    EXPECT_EQ(v.at("bytes").to_number<int>(), 15);
    EXPECT_GE(v.at("us").to_number<int64_t>(), 0);
    found = true;
  }
  EXPECT_TRUE(found) << log;
}

TEST_P(ServeTest, SigtermDrainsInFlightRequestsThenExitsZero) {
  auto server = Start();
  ASSERT_TRUE(server->started());
  // A request whose body is still arriving when the signal comes: it is in flight.
  RawConnection in_flight(server->port());
  ASSERT_TRUE(in_flight.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"));
  RawConnection idle(server->port());
  ASSERT_TRUE(idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") && idle.ReadResponse());
  std::this_thread::sleep_for(100ms);
  server->process().Signal(SIGTERM);
  EXPECT_TRUE(idle.ClosedWithin(2s)) << "idle connections close at once";
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(server->process().Wait(0ms)) << "the process waits for the in-flight request";
  ASSERT_TRUE(in_flight.Send("67890"));
  auto r = in_flight.ReadResponse(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("Connection"), "close");
  auto code = server->process().Wait(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << server->Log();
  EXPECT_NE(server->Log().find("stopped"), std::string::npos);
}

TEST_P(ServeTest, WithoutMigrationsTheServiceIsLiveButNotReady) {
  auto server = Start({"--set", "storage.migrate_on_start=false"});
  ASSERT_TRUE(server->started());
  EXPECT_EQ(Fetch(server->port(), "GET", "/healthz")->status, 200);
  auto ready = Fetch(server->port(), "GET", "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("pending"), std::string::npos) << ready->body;
}

TEST_P(ServeTest, ServeRefusesToStartOnAChangedMigration) {
  {
    auto server = Start();
    ASSERT_TRUE(server->started());
    server->process().Signal(SIGTERM);
    ASSERT_EQ(server->process().Wait(10s), 0);
  }
  {
    auto lease = db_->db().Acquire(store::Access::kWrite);
    ASSERT_TRUE((*lease)->Exec("UPDATE schema_migrations SET checksum = $1 WHERE version = 1", "tampered"));
  }
  TempDir other;
  auto [code, out] = RunCommand({CHORUS_BINARY, "serve", "--listen", "127.0.0.1:0", "--database", db_->url(),
                                 "--data-dir", other.path().string()},
                                {}, 20s);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("migration failed"), std::string::npos) << out;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(ServeTest);

}  // namespace
}  // namespace chorus
