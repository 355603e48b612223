// The upstream client against a real server on loopback: pooled keep-alive connections, bodies
// handed over as they arrive, timeouts, refused connections and size limits.
#include "http/client/upstream.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "http/server.h"
#include "tests/support/run_task.h"

namespace chorus::http::client {
namespace {

using namespace std::chrono_literals;
using chorus::testing::RunTask;

Task<void> Sleep(std::chrono::milliseconds d) {
  boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, d);
  co_await t.async_wait(boost::asio::use_awaitable);
}

class Upstream {
 public:
  Upstream() {
    auto add = [this](Method m, const char* path, Handler h) {
      EXPECT_TRUE(router_.Add(Route{m, path, Access::kPublic, std::move(h), ""}));
    };
    add(Method::kPost, "/v1/echo", [](Request& r) -> Task<Response> {
      co_return Response::Text(200, std::string(r.Header("Authorization")) + "|" + r.body());
    });
    add(Method::kGet, "/v1/drip", [](Request&) -> Task<Response> {
      Response r = Response::Text(200, "");
      r.stream = [](BodyStream& out) -> Task<void> {
        co_await out.Write("first");
        co_await Sleep(400ms);
        co_await out.Write("second");
      };
      co_return r;
    });
    add(Method::kGet, "/v1/big", [](Request&) -> Task<Response> { co_return Response::Text(200, std::string(50000, 'x')); });
    add(Method::kGet, "/v1/redirect", [](Request&) -> Task<Response> {
      Response r = Response::NoContent();
      r.status = 307;
      r.SetHeader("Location", "http://169.254.169.254/");
      co_return r;
    });
    metrics_ = std::make_unique<HttpMetrics>(router_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *metrics_, DispatcherSettings{.access_log = false});
    server_ = std::make_unique<Server>(ServerSettings{.port = 0, .handle_signals = false}, *dispatcher_);
    EXPECT_TRUE(server_->Listen());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Upstream() {
    server_->RequestShutdown();
    thread_.join();
  }
  Endpoint At() const {
    auto e = ParseBaseUrl("http://127.0.0.1:" + std::to_string(server_->port()) + "/v1");
    EXPECT_TRUE(e);
    return *e;
  }
  int64_t open_connections() const { return metrics_->connections().Value(); }

 private:
  Router router_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST(ParseBaseUrlTest, SplitsTrustedBaseUrls) {
  auto e = ParseBaseUrl("https://api.example.com/v1/");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->scheme, "https");
  EXPECT_EQ(e->host, "api.example.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->path_prefix, "/v1");
  EXPECT_EQ(ParseBaseUrl("http://127.0.0.1:18080")->port, 18080);
  EXPECT_FALSE(ParseBaseUrl("ftp://example.com/"));
  EXPECT_FALSE(ParseBaseUrl("http://user:pw@example.com/"));
  EXPECT_FALSE(ParseBaseUrl("http://example.com/v1?x=1"));
  EXPECT_FALSE(ParseBaseUrl("example.com"));
}

TEST(UpstreamClientTest, SendsOnOnePooledConnection) {
  Upstream upstream;
  UpstreamClient client;
  const Endpoint at = upstream.At();
  auto bodies = RunTask([&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> out;
    for (int i = 0; i < 5; ++i) {
      UpstreamRequest request{.path = "/echo", .headers = {{"Authorization", "Bearer k"}}, .body = std::to_string(i)};
      UpstreamTimeouts timeouts;
      auto response = co_await client.Send(at, request, timeouts);
      EXPECT_TRUE(response) << response.error().message;
      if (!response) co_return out;
      EXPECT_EQ((*response)->status(), 200);
      auto body = co_await (*response)->ReadAll(1000);
      out.push_back(body ? *body : body.error().message);
    }
    // Checked while the pooled connection is still open (the pool closes it with the io_context).
    EXPECT_EQ(upstream.open_connections(), 1) << "five requests, one keep-alive connection";
    co_return out;
  }());
  ASSERT_EQ(bodies.size(), 5u);
  EXPECT_EQ(bodies[0], "Bearer k|0");
  EXPECT_EQ(bodies[4], "Bearer k|4");
}

TEST(UpstreamClientTest, ConnectionsABurstLeftAreClosedOnceIdleTooLong) {
  Upstream upstream;
  UpstreamClient client(UpstreamClientSettings{.idle_keep = 150ms});
  const Endpoint at = upstream.At();
  auto call = [&]() -> Task<bool> {
    UpstreamRequest request{.path = "/echo", .body = "x"};
    UpstreamTimeouts timeouts;
    auto response = co_await client.Send(at, request, timeouts);
    if (!response) co_return false;
    auto body = co_await (*response)->ReadAll(100);
    co_return body.has_value();
  };
  const auto [after_burst, after_trickle] = RunTask([&]() -> Task<std::pair<int64_t, int64_t>> {
    // Three at once open three connections, pooled when done.
    std::vector<std::unique_ptr<UpstreamResponse>> open;
    for (int i = 0; i < 3; ++i) {
      UpstreamRequest request{.path = "/echo", .body = "x"};
      auto response = co_await client.Send(at, request, UpstreamTimeouts{});
      if (response) open.push_back(std::move(*response));
    }
    for (auto& response : open) (void)co_await response->ReadAll(100);
    open.clear();
    const int64_t burst = upstream.open_connections();
    // Then one call at a time, each on the newest pooled connection; the other two age past idle_keep.
    for (int i = 0; i < 8; ++i) {
      EXPECT_TRUE(co_await call());
      co_await Sleep(50ms);
    }
    co_return std::pair{burst, upstream.open_connections()};
  }());
  EXPECT_EQ(after_burst, 3);
  EXPECT_EQ(after_trickle, 1) << "the two the trickle did not need were closed";
}

TEST(UpstreamClientTest, HandsOverTheBodyAsItArrives) {
  Upstream upstream;
  UpstreamClient client;
  const Endpoint at = upstream.At();
  RunTask([&]() -> Task<bool> {
    UpstreamRequest request{.method = "GET", .path = "/drip"};
    UpstreamTimeouts timeouts;
    const auto start = std::chrono::steady_clock::now();
    auto response = co_await client.Send(at, request, timeouts);
    EXPECT_TRUE(response);
    if (!response) co_return false;
    auto first = co_await (*response)->Read();
    EXPECT_TRUE(first);
    EXPECT_EQ(first ? std::string(*first) : "", "first");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms) << "the first piece did not wait for the second";
    std::string rest;
    for (;;) {
      auto piece = co_await (*response)->Read();
      EXPECT_TRUE(piece);
      if (!piece || piece->empty()) break;
      rest += *piece;
    }
    EXPECT_EQ(rest, "second");
    co_return true;
  }());
}

TEST(UpstreamClientTest, TimesOutBetweenPiecesAndLimitsWholeBodies) {
  Upstream upstream;
  UpstreamClient client;
  const Endpoint at = upstream.At();
  RunTask([&]() -> Task<bool> {
    UpstreamRequest drip{.method = "GET", .path = "/drip"};
    UpstreamTimeouts quick{.idle = 100ms};
    auto response = co_await client.Send(at, drip, quick);
    EXPECT_TRUE(response);
    if (!response) co_return false;
    auto first = co_await (*response)->Read();
    EXPECT_TRUE(first);
    auto stalled = co_await (*response)->Read();
    EXPECT_FALSE(stalled);
    EXPECT_EQ(stalled ? ErrorCode::kInternal : stalled.error().code, ErrorCode::kDeadlineExceeded);

    UpstreamRequest big{.method = "GET", .path = "/big"};
    UpstreamTimeouts timeouts;
    auto large = co_await client.Send(at, big, timeouts);
    EXPECT_TRUE(large);
    if (!large) co_return false;
    auto all = co_await (*large)->ReadAll(1000);
    EXPECT_FALSE(all);
    EXPECT_EQ(all ? ErrorCode::kInternal : all.error().code, ErrorCode::kUpstream);

    UpstreamRequest redirect{.method = "GET", .path = "/redirect"};
    auto moved = co_await client.Send(at, redirect, timeouts);
    EXPECT_TRUE(moved);
    EXPECT_EQ(moved ? (*moved)->status() : 0, 307) << "redirects are returned, never followed";
    co_return true;
  }());
}

// A listener on loopback that answers each connection with `reply` (raw bytes, in pieces), then
// closes it; or, `keep_open`, answers every request that comes on it until the client closes it.
class RawUpstream {
 public:
  using Reply = std::function<void(int fd)>;
  explicit RawUpstream(Reply reply, bool keep_open = false) : reply_(std::move(reply)), keep_open_(keep_open) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int conn = ::accept(fd_, nullptr, nullptr);
        if (conn < 0) return;
        ++accepted_;
        char request[4096];
        while (::recv(conn, request, sizeof request, 0) > 0) {
          reply_(conn);
          if (!keep_open_) break;
        }
        ::close(conn);
      }
    });
  }
  ~RawUpstream() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  Endpoint At() const { return *ParseBaseUrl("http://127.0.0.1:" + std::to_string(port_) + "/v1"); }

  static void Send(int fd, std::string_view bytes) { (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  int accepted() const { return accepted_.load(); }

 private:
  Reply reply_;
  const bool keep_open_;
  std::atomic<int> accepted_{0};
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

Result<std::unique_ptr<UpstreamResponse>> SendTo(const Endpoint& at, UpstreamTimeouts timeouts = {}) {
  UpstreamClient client;
  return RunTask([&]() -> Task<Result<std::unique_ptr<UpstreamResponse>>> {
    UpstreamRequest request{.path = "/x", .body = "{}"};
    co_return co_await client.Send(at, request, timeouts);
  }());
}

TEST(UpstreamClientTest, AHeaderInPiecesIsReadWhole) {
  RawUpstream upstream([](int fd) {
    RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\nContent-Ty");
    std::this_thread::sleep_for(50ms);
    RawUpstream::Send(fd, "pe: text/plain\r\nContent-Length: 2\r\n");
    std::this_thread::sleep_for(50ms);
    RawUpstream::Send(fd, "\r\nok");
  });
  UpstreamClient client;
  const Endpoint at = upstream.At();
  RunTask([&]() -> Task<bool> {
    UpstreamRequest request{.path = "/x"};
    UpstreamTimeouts timeouts;
    auto response = co_await client.Send(at, request, timeouts);
    EXPECT_TRUE(response);
    if (!response) co_return false;
    EXPECT_EQ((*response)->status(), 200);
    EXPECT_EQ((*response)->Header("Content-Type"), "text/plain");
    EXPECT_EQ((*response)->Header("content-TYPE"), "text/plain") << "names compare case-insensitively";
    EXPECT_EQ((*response)->Header("Content-Length"), "2");
    EXPECT_TRUE((*response)->Header("Content-Typ").empty());
    EXPECT_TRUE((*response)->Header("X-Absent").empty());
    auto body = co_await (*response)->ReadAll(100);
    EXPECT_EQ(body ? *body : body.error().message, "ok");
    co_return true;
  }());
}

// Two requests in turn on one client (one pool); the bodies, or the errors.
std::vector<std::string> SendTwice(const Endpoint& at) {
  UpstreamClient client;
  return RunTask([&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> out;
    for (int i = 0; i < 2; ++i) {
      UpstreamRequest request{.path = "/x", .body = "{}"};
      UpstreamTimeouts timeouts;
      auto response = co_await client.Send(at, request, timeouts);
      if (!response) {
        out.push_back("error: " + response.error().message);
        continue;
      }
      auto body = co_await (*response)->ReadAll(100);
      out.push_back(std::to_string((*response)->status()) + " " + (body ? *body : "error: " + body.error().message));
    }
    co_return out;
  }());
}

TEST(UpstreamClientTest, InterimResponsesAreSkipped) {
  RawUpstream upstream(
      [](int fd) {
        RawUpstream::Send(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
        std::this_thread::sleep_for(20ms);
        RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      },
      /*keep_open=*/true);
  EXPECT_EQ(SendTwice(upstream.At()), (std::vector<std::string>{"200 ok", "200 ok"}));
  EXPECT_EQ(upstream.accepted(), 1) << "the final response was read whole: the connection is reused";

  RawUpstream switching([](int fd) { RawUpstream::Send(fd, "HTTP/1.1 101 Switching Protocols\r\n\r\n"); });
  auto response = SendTo(switching.At());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUpstream);
}

TEST(UpstreamClientTest, AConnectionWithBytesPastItsResponseIsNotReused) {
  RawUpstream upstream([](int fd) { RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSTRAY"); },
                       /*keep_open=*/true);
  EXPECT_EQ(SendTwice(upstream.At()), (std::vector<std::string>{"200 ok", "200 ok"}))
      << "the stray bytes are never taken for the second answer";
  EXPECT_EQ(upstream.accepted(), 2);
}

TEST(UpstreamClientTest, APooledConnectionItsServerClosedIsRetriedOnANewOne) {
  // Answers keep-alive, then closes (as a server whose keep-alive ran out does, cleanly).
  RawUpstream upstream([](int fd) { RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
  EXPECT_EQ(SendTwice(upstream.At()), (std::vector<std::string>{"200 ok", "200 ok"}));
  EXPECT_EQ(upstream.accepted(), 2);
}

TEST(UpstreamClientTest, AnUpstreamThatClosesBeforeOrDuringTheHeaderIsAnUpstreamError) {
  RawUpstream silent([](int) {});
  auto nothing = SendTo(silent.At());
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code, ErrorCode::kUpstream);
  EXPECT_NE(nothing.error().message.find("end of stream"), std::string::npos) << nothing.error().message;

  RawUpstream cut([](int fd) { RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\nContent-"); });
  auto partial = SendTo(cut.At());
  ASSERT_FALSE(partial);
  EXPECT_EQ(partial.error().code, ErrorCode::kUpstream);
  EXPECT_NE(partial.error().message.find("partial"), std::string::npos) << partial.error().message;
}

TEST(UpstreamClientTest, AnEndlessHeaderIsCutOffAtItsLimit) {
  RawUpstream endless([](int fd) {
    RawUpstream::Send(fd, "HTTP/1.1 200 OK\r\n");
    const std::string field = "X-Filler: " + std::string(1000, 'f') + "\r\n";
    for (int i = 0; i < 200; ++i) RawUpstream::Send(fd, field);  // 200 KB, more than the 64 KiB limit
  });
  auto response = SendTo(endless.At());
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUpstream);
  EXPECT_NE(response.error().message.find("header limit"), std::string::npos) << response.error().message;
}

TEST(UpstreamClientTest, AnUpstreamThatNeverAnswersTimesOut) {
  RawUpstream mute([](int) { std::this_thread::sleep_for(500ms); });
  auto response = SendTo(mute.At(), UpstreamTimeouts{.first_byte = 100ms});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(UpstreamClientTest, RefusedConnectionIsUnavailable) {
  UpstreamClient client;
  auto closed = ParseBaseUrl("http://127.0.0.1:1/v1");
  ASSERT_TRUE(closed);
  auto result = RunTask([&]() -> Task<Result<std::unique_ptr<UpstreamResponse>>> {
    UpstreamRequest request{.path = "/x"};
    UpstreamTimeouts timeouts;
    co_return co_await client.Send(*closed, request, timeouts);
  }());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace chorus::http::client
