// The server over real loopback sockets, driven by a raw client so every limit can be provoked.
#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "http/sse.h"
#include "tests/support/http_client.h"

namespace chorus::http {
namespace {

using chorus::testing::Fetch;
using chorus::testing::RawConnection;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What /retained's response keeps: released only once the test says its client has the answer
// (or after 5 s), and whether that came first.
struct Retained {
  std::promise<void> client_has_answer;
  std::atomic<bool> released_after_answer{false};
  std::atomic<bool> released{false};
};
Retained* retained_probe = nullptr;

Task<void> Sleep(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

class TestServer {
 public:
  explicit TestServer(ServerSettings settings) {
    Add(Method::kGet, "/hello", [](Request&) -> Task<Response> { co_return Response::Text(200, "hello"); });
    Add(Method::kPost, "/echo", [](Request& r) -> Task<Response> { co_return Response::Text(200, r.body()); });
    // Where the body landed and what it holds.
    Add(Method::kPost, "/upload", [](Request& r) -> Task<Response> {
      std::string bytes(r.body_size(), '\0');
      auto n = r.ReadBody(0, bytes);
      co_return Response::Text(200, std::string(r.spooled_body() ? "spooled:" : "memory:") + (n ? bytes : "error"));
    });
    Add(Method::kGet, "/slow", [](Request& r) -> Task<Response> {
      co_await Sleep(std::chrono::milliseconds(std::stoi(r.Query("ms").value_or("300"))));
      co_return Response::Text(200, "slow done");
    });
    Add(Method::kGet, "/events", [](Request&) -> Task<Response> {
      co_return SseResponse([](SseWriter& sse) -> Task<void> {
        for (int i = 0; i < 3; ++i) {
          const bool sent = co_await sse.Send("event " + std::to_string(i));
          if (!sent) co_return;
          co_await Sleep(150ms);
        }
      });
    });
    // Two events of `size` bytes each, back to back.
    Add(Method::kGet, "/burst", [](Request& r) -> Task<Response> {
      const std::string payload(std::stoul(r.Query("size").value_or("10")), 'x');
      co_return SseResponse([payload](SseWriter& sse) -> Task<void> {
        if (co_await sse.Send(payload)) co_await sse.Send(payload);
      });
    });
    Add(Method::kGet, "/retained", [](Request&) -> Task<Response> {
      Response r = Response::Text(200, "answer");
      Retained* probe = retained_probe;
      r.retained = std::shared_ptr<void>(probe, [](void* p) {
        auto* held = static_cast<Retained*>(p);
        const bool answered =
            held->client_has_answer.get_future().wait_for(5s) == std::future_status::ready;
        held->released_after_answer = answered;
        held->released = true;
      });
      co_return r;
    });
    metrics_ = std::make_unique<HttpMetrics>(router_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *metrics_, DispatcherSettings{.access_log = false});
    settings.host = "127.0.0.1";
    settings.port = 0;
    settings.handle_signals = false;
    server_ = std::make_unique<Server>(settings, *dispatcher_);
    EXPECT_TRUE(server_->Listen());
    thread_ = std::thread([this] {
      server_->Run();
      stopped_ = true;
    });
  }
  ~TestServer() {
    if (thread_.joinable()) Stop();
  }
  void Stop() {
    server_->RequestShutdown();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }
  bool stopped() const { return stopped_; }
  std::thread& thread() { return thread_; }
  HttpMetrics& metrics() { return *metrics_; }

 private:
  void Add(Method m, std::string pattern, Handler h) {
    EXPECT_TRUE(router_.Add(Route{m, std::move(pattern), Access::kPublic, std::move(h), ""}));
  }
  Router router_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

ServerSettings Small() {
  ServerSettings s;
  s.threads = 2;
  s.max_header_bytes = 2048;
  s.max_body_bytes = 1024;
  s.read_timeout = 400ms;
  s.idle_timeout = 600ms;
  s.write_timeout = 1000ms;
  s.shutdown_grace = 3000ms;
  s.max_connections = 8;
  return s;
}

TEST(ServerTest, KeepAliveAndPipeliningServeSeveralRequestsOnOneConnection) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = c.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "hello");
  EXPECT_FALSE(first->Header("Date").empty());
  // Two pipelined requests in one write.
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping"));
  auto second = c.ReadResponse();
  auto third = c.ReadResponse();
  ASSERT_TRUE(second && third);
  EXPECT_EQ(second->body, "hello");
  EXPECT_EQ(third->body, "ping");
}

// A response's `retained` is released after the response was written: were it released first, the
// release (which waits for the client to have the answer) would hold the answer back for 5 s.
TEST(ServerTest, WhatAResponseRetainsIsReleasedAfterTheAnswerIsWritten) {
  Retained probe;
  retained_probe = &probe;
  TestServer server(Small());
  const auto start = Clock::now();
  auto r = Fetch(server.port(), "GET", "/retained");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "answer");
  EXPECT_LT(Clock::now() - start, 4s) << "the answer waited for the release";
  probe.client_has_answer.set_value();
  for (int i = 0; i < 500 && !probe.released; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(probe.released);
  EXPECT_TRUE(probe.released_after_answer);
  server.Stop();
  retained_probe = nullptr;
}

TEST(ServerTest, ChunkedRequestBodiesAreAssembled) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello world");
}

TEST(ServerTest, ContentLengthOverTheLimitGets413BeforeTheBodyIsSent) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000000\r\n\r\n"));
  auto r = c.ReadResponse(2s);  // no body byte was sent: the answer must come from the header alone
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("\"code\":\"payload_too_large\""), std::string::npos);
  EXPECT_FALSE(r->Header("X-Request-Id").empty());
  EXPECT_TRUE(c.ClosedWithin(2s));
}

ServerSettings Spooling() {
  ServerSettings s = Small();
  s.spool_dir = ::testing::TempDir();
  s.max_upload_bytes = 4096;
  return s;
}

std::string Upload(size_t body_bytes, std::string_view content_type = "multipart/form-data; boundary=b") {
  return "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body_bytes) + "\r\n\r\n" + std::string(body_bytes, 'u');
}

TEST(ServerTest, MultipartUploadsAreSpooledToAnUnnamedFileUpToTheirOwnLimit) {
  TestServer server(Spooling());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send(Upload(3000)));  // over max_body_bytes, under max_upload_bytes
  auto r = c.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "spooled:" + std::string(3000, 'u'));
  // Nothing is left in the spool directory: the file never had a name there.
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(entry.path().filename().string().rfind("upload-", 0), std::string::npos) << entry.path();
  }

  RawConnection other(server.port());
  ASSERT_TRUE(other.Send(Upload(500, "text/plain")));  // not an upload: in memory as before
  r = other.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "memory:" + std::string(500, 'u'));
}

TEST(ServerTest, AnUploadOverItsLimitGets413BeforeTheBodyIsSent) {
  TestServer server(Spooling());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                     "Content-Length: 2000000000\r\n\r\n"));
  auto r = c.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("4096 bytes"), std::string::npos) << r->body;

  RawConnection json(server.port());  // the upload limit does not lift the ordinary one
  ASSERT_TRUE(json.Send(Upload(3000, "application/json")));
  r = json.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(ServerTest, AChunkedBodyIsCutOffAtTheLimit) {
  TestServer server(Small());
  RawConnection c(server.port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "200\r\n" + std::string(512, 'a') + "\r\n";
  request += "0\r\n\r\n";
  c.Send(request);
  auto r = c.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(ServerTest, OversizedHeadersGet431) {
  TestServer server(Small());
  RawConnection c(server.port());
  c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
  auto r = c.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find("\"error\""), std::string::npos);
}

TEST(ServerTest, MalformedRequestsGet400) {
  TestServer server(Small());
  RawConnection c(server.port());
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST(ServerTest, ASlowClientIsDisconnectedAtTheReadTimeout) {
  TestServer server(Small());
  RawConnection c(server.port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // never finishes its headers
  EXPECT_TRUE(c.ClosedWithin(3s));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 350ms);
  EXPECT_LT(elapsed, 2500ms);
}

TEST(ServerTest, AnIdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.ReadResponse());
  const auto start = Clock::now();
  EXPECT_TRUE(c.ClosedWithin(3s));
  EXPECT_GE(Clock::now() - start, 550ms);
}

TEST(ServerTest, Expect100ContinueGetsTheInterimResponse) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  RawConnection probe(server.port());  // keeps the test honest: the server is not blocked meanwhile
  ASSERT_TRUE(probe.connected());
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.Send("abc"));
  auto r = c.ReadResponse();  // ReadResponse skips the 100 but would time out without it
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abc");
}

TEST(ServerTest, StreamedResponsesArriveChunkByChunkAsProduced) {
  TestServer server(Small());
  RawConnection c(server.port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse(5s);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->chunked);
  EXPECT_EQ(r->Header("Content-Type"), "text/event-stream; charset=utf-8");
  ASSERT_EQ(r->chunks.size(), 3u);
  EXPECT_EQ(r->chunks[0], "data: event 0\n\n");
  EXPECT_GE(Clock::now() - start, 400ms) << "three events 150 ms apart";
}

TEST(ServerTest, TheFirstStreamedChunkIsNotHeldBack) {
  TestServer server(Small());
  RawConnection c(server.port());
  const auto start = Clock::now();
  ASSERT_TRUE(c.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The stream lasts 450 ms; its headers and first event must arrive long before that.
  const std::string first = c.ReadSome(1s, "data: event 0");
  EXPECT_NE(first.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(first.find("data: event 0"), std::string::npos);
  EXPECT_EQ(first.find("data: event 2"), std::string::npos);
  EXPECT_LT(Clock::now() - start, 120ms);
}

TEST(ServerTest, StreamedChunksAreFramedExactlyAndTheConnectionIsReusedAfterTheLastOne) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("GET /burst?size=300 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string raw = c.ReadSome(5s, "\r\n0\r\n\r\n");
  const size_t body = raw.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << raw;
  const std::string event = "data: " + std::string(300, 'x') + "\n\n";  // 308 bytes: 0x134
  EXPECT_EQ(raw.substr(body + 4), "134\r\n" + event + "\r\n134\r\n" + event + "\r\n0\r\n\r\n");
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = c.ReadResponse(2s);
  ASSERT_TRUE(next) << "the connection goes on after the last chunk";
  EXPECT_EQ(next->body, "hello");
}

TEST(ServerTest, StreamedBodiesToHttp10ClientsAreRawBytesUntilClose) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("GET /burst?size=5 HTTP/1.0\r\nHost: x\r\n\r\n"));
  std::string raw = c.ReadSome(2s);
  const size_t body = raw.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << raw;
  EXPECT_EQ(raw.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(raw.substr(body + 4), "data: xxxxx\n\ndata: xxxxx\n\n");
  EXPECT_TRUE(c.ClosedWithin(1s));
}

TEST(ServerTest, HeadGetsHeadersWithoutABody) {
  TestServer server(Small());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.ReadResponse(2s, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "5");
  auto get = c.ReadResponse(2s);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->body, "hello") << "no stray body bytes from the HEAD answer";
}

TEST(ServerTest, ConnectionsOverTheLimitGet503) {
  ServerSettings s = Small();
  s.max_connections = 2;
  TestServer server(s);
  RawConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n") && a.ReadResponse());
  ASSERT_TRUE(b.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n") && b.ReadResponse());
  RawConnection third(server.port());
  auto r = third.ReadResponse(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "1");
  std::string metrics;
  server.metrics().Render(metrics);
  EXPECT_NE(metrics.find("chorus_http_connections_rejected_total 1"), std::string::npos);
}

TEST(ServerTest, ShutdownLetsInFlightRequestsFinishAndRefusesNewOnes) {
  TestServer server(Small());
  RawConnection idle(server.port());
  ASSERT_TRUE(idle.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n") && idle.ReadResponse());
  RawConnection busy(server.port());
  ASSERT_TRUE(busy.Send("GET /slow?ms=600 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  std::thread stopper([&] { server.Stop(); });
  EXPECT_TRUE(idle.ClosedWithin(1s)) << "idle keep-alive connections are closed at once";
  std::this_thread::sleep_for(50ms);
  RawConnection late(server.port());
  EXPECT_FALSE(late.connected() && late.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n") && late.ReadResponse(500ms))
      << "no new requests after shutdown began";
  auto r = busy.ReadResponse(3s);
  ASSERT_TRUE(r) << "the in-flight request completes";
  EXPECT_EQ(r->body, "slow done");
  EXPECT_EQ(r->Header("Connection"), "close");
  stopper.join();
  EXPECT_TRUE(server.stopped());
  EXPECT_LT(Clock::now() - start, 2000ms);
}

TEST(ServerTest, ShutdownGraceCutsOffRequestsThatRunTooLong) {
  ServerSettings s = Small();
  s.shutdown_grace = 300ms;
  TestServer server(s);
  RawConnection busy(server.port());
  ASSERT_TRUE(busy.Send("GET /slow?ms=10000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(100ms);
  const auto start = Clock::now();
  server.Stop();
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_TRUE(busy.ClosedWithin(1s));
}

}  // namespace
}  // namespace chorus::http
