// The outbound client against a real server on loopback (allowlisted for the test).
#include "http/client/client.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <thread>

#include "http/server.h"

namespace chorus::http::client {
namespace {

using namespace std::chrono_literals;

class Receiver {
 public:
  Receiver() {
    auto add = [this](Method m, const char* path, Handler h) {
      EXPECT_TRUE(router_.Add(Route{m, path, Access::kPublic, std::move(h), ""}));
    };
    add(Method::kPost, "/echo", [this](Request& r) -> Task<Response> {
      last_body_ = r.body();
      last_signature_ = std::string(r.Header("X-Test"));
      co_return Response::Text(200, "got " + r.body());
    });
    add(Method::kGet, "/redirect", [](Request&) -> Task<Response> {
      Response r = Response::NoContent();
      r.status = 302;
      r.SetHeader("Location", "http://169.254.169.254/");
      co_return r;
    });
    add(Method::kGet, "/big", [](Request&) -> Task<Response> { co_return Response::Text(200, std::string(5000, 'x')); });
    add(Method::kGet, "/slow", [](Request&) -> Task<Response> {
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 2s);
      co_await t.async_wait(boost::asio::use_awaitable);
      co_return Response::Text(200, "late");
    });
    metrics_ = std::make_unique<HttpMetrics>(router_);
    dispatcher_ = std::make_unique<Dispatcher>(router_, *metrics_, DispatcherSettings{.access_log = false});
    server_ = std::make_unique<Server>(ServerSettings{.port = 0, .handle_signals = false}, *dispatcher_);
    EXPECT_TRUE(server_->Listen());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Receiver() {
    server_->RequestShutdown();
    thread_.join();
  }
  std::string Url(const char* path) const { return "http://127.0.0.1:" + std::to_string(server_->port()) + path; }
  std::string last_body_, last_signature_;

 private:
  Router router_;
  std::unique_ptr<HttpMetrics> metrics_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST(ClientTest, PostsToAnAllowedAddress) {
  Receiver receiver;
  auto guard = UrlGuard::Make({"127.0.0.1/32"});
  Client client(*guard, {});
  auto r = client.Send({.url = receiver.Url("/echo"), .headers = {{"X-Test", "sig"}}, .body = "{\"a\":1}"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "got {\"a\":1}");
  EXPECT_EQ(receiver.last_signature_, "sig");
}

TEST(ClientTest, RefusesLoopbackWithoutTheAllowlistBeforeConnecting) {
  Receiver receiver;
  auto guard = UrlGuard::Make({});
  Client client(*guard, {});
  auto r = client.Send({.url = receiver.Url("/echo"), .body = "x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(receiver.last_body_, "") << "nothing reached the receiver";
}

TEST(ClientTest, DoesNotFollowRedirectsAndCapsTheResponse) {
  Receiver receiver;
  auto guard = UrlGuard::Make({"127.0.0.1/32"});
  Client client(*guard, {.max_response_bytes = 1000});
  auto redirect = client.Send({.method = "GET", .url = receiver.Url("/redirect")});
  ASSERT_TRUE(redirect) << redirect.error().message;
  EXPECT_EQ(redirect->status, 302) << "the redirect is returned, not followed";
  auto big = client.Send({.method = "GET", .url = receiver.Url("/big")});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kUpstream);
}

TEST(ClientTest, TimesOutOnASlowServerAndFailsOnAClosedPort) {
  Receiver receiver;
  auto guard = UrlGuard::Make({"127.0.0.1/32"});
  Client client(*guard, {.read_timeout = 300ms});
  const auto start = std::chrono::steady_clock::now();
  auto slow = client.Send({.method = "GET", .url = receiver.Url("/slow")});
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  auto closed = client.Send({.method = "GET", .url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace chorus::http::client
