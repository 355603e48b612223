#include "http/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <stdexcept>

#include "base/strings.h"
#include "tests/support/run_task.h"

namespace chorus::http {
namespace {

using chorus::testing::RunTask;

// Grants the principal named by the "Authorization: Bearer <user>" header; "admin" is an admin.
class HeaderAuthenticator final : public Authenticator {
 public:
  Task<Result<Principal>> Authenticate(const Request& request) override {
    std::string_view auth = request.Header("Authorization");
    if (auth.substr(0, 7) != "Bearer ") co_return Unexpected(ErrorCode::kUnauthenticated, "no token");
    Principal p;
    p.user_id = std::string(auth.substr(7));
    p.is_admin = p.user_id == "admin";
    co_return p;
  }
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add(Method::kGet, "/open", Access::kPublic, [](Request& r) -> Task<Response> {
      co_return Response::Json(200, "{\"route\":\"" + std::string(r.route()) + "\"}");
    });
    Add(Method::kGet, "/items/{id}", Access::kUser, [](Request& r) -> Task<Response> {
      co_return Response::Json(200, "{\"id\":\"" + std::string(r.PathParam("id")) + "\",\"user\":\"" +
                                        r.principal()->user_id + "\"}");
    });
    Add(Method::kPost, "/admin/thing", Access::kAdmin, [](Request&) -> Task<Response> {
      co_return Response::Json(201, "{}");
    });
    Add(Method::kGet, "/boom", Access::kPublic, [](Request&) -> Task<Response> {
      throw std::runtime_error("secret internals");
      co_return Response::NoContent();
    });
    metrics_ = std::make_unique<HttpMetrics>(router_);
  }

  void Add(Method m, std::string pattern, Access access, Handler h) {
    ASSERT_TRUE(router_.Add(Route{m, std::move(pattern), access, std::move(h), ""}));
  }

  Response Call(Dispatcher& d, Method m, std::string_view target,
                std::vector<std::pair<std::string_view, std::string_view>> headers = {}) {
    Request request(m, target);
    for (auto [k, v] : headers) request.AddHeader(k, v);
    last_ = std::make_unique<Request>(request);
    Response response = RunTask(d.Dispatch(request));
    last_request_id_ = request.request_id();
    return response;
  }

  Router router_;
  std::unique_ptr<HttpMetrics> metrics_;
  HeaderAuthenticator auth_;
  std::unique_ptr<Request> last_;
  std::string last_request_id_;
};

std::string ErrorCodeOf(const Response& r) {
  return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
}

TEST_F(DispatcherTest, RequestIdIsTakenWhenAcceptableAndMadeOtherwise) {
  Dispatcher d(router_, *metrics_, {}, &auth_);
  Response taken = Call(d, Method::kGet, "/open", {{"X-Request-Id", "client-id-1"}});
  EXPECT_EQ(taken.Header("X-Request-Id"), "client-id-1");
  Response made = Call(d, Method::kGet, "/open", {{"X-Request-Id", "bad id\twith junk"}});
  EXPECT_EQ(made.Header("X-Request-Id").size(), 32u);
  EXPECT_EQ(made.Header("X-Request-Id"), last_request_id_);
}

TEST_F(DispatcherTest, EveryResponseCarriesNosniffAndTheErrorShape) {
  Dispatcher d(router_, *metrics_, {}, &auth_);
  struct Case { Method m; const char* target; int status; const char* code; };
  const Case cases[] = {
      {Method::kGet, "/nowhere", 404, "not_found"},
      {Method::kPost, "/open", 405, "method_not_allowed"},
      {Method::kUnknown, "/open", 405, "method_not_allowed"},
      {Method::kGet, "/items/1", 401, "unauthenticated"},
      {Method::kGet, "/boom", 500, "internal_error"},
  };
  for (const auto& c : cases) {
    Response r = Call(d, c.m, c.target);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << c.target;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(ErrorCodeOf(r), c.code) << c.target;
  }
  EXPECT_EQ(Call(d, Method::kGet, "/open").Header("X-Content-Type-Options"), "nosniff");
}

TEST_F(DispatcherTest, MethodNotAllowedListsTheAllowedMethods) {
  Dispatcher d(router_, *metrics_, {}, &auth_);
  Response r = Call(d, Method::kDelete, "/open");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(DispatcherTest, AThrowingHandlerGets500WithoutInternals) {
  Dispatcher d(router_, *metrics_, {}, &auth_);
  Response r = Call(d, Method::kGet, "/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret internals"), std::string::npos);
}

TEST_F(DispatcherTest, DeclaredAccessIsEnforced) {
  Dispatcher d(router_, *metrics_, {}, &auth_);
  Response user = Call(d, Method::kGet, "/items/x%2Fy", {{"Authorization", "Bearer alice"}});
  EXPECT_EQ(user.status, 200);
  EXPECT_EQ(boost::json::parse(user.body).at("id").as_string(), "x/y");
  EXPECT_EQ(boost::json::parse(user.body).at("user").as_string(), "alice");
  EXPECT_EQ(Call(d, Method::kPost, "/admin/thing", {{"Authorization", "Bearer alice"}}).status, 403);
  EXPECT_EQ(Call(d, Method::kPost, "/admin/thing", {{"Authorization", "Bearer admin"}}).status, 201);
  EXPECT_EQ(Call(d, Method::kPost, "/admin/thing").status, 401);

  Dispatcher without_auth(router_, *metrics_, {});
  EXPECT_EQ(Call(without_auth, Method::kGet, "/items/1", {{"Authorization", "Bearer alice"}}).status, 401)
      << "without an authenticator, only public routes answer";
}

TEST_F(DispatcherTest, UndeclaredRoutesFailClosed) {
  Add(Method::kGet, "/forgotten", Access::kUndeclared, [](Request&) -> Task<Response> {
    co_return Response::Json(200, "{\"leaked\":true}");
  });
  HttpMetrics metrics(router_);
  Dispatcher d(router_, metrics, {}, &auth_);
  Response r = Call(d, Method::kGet, "/forgotten", {{"Authorization", "Bearer admin"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("leaked"), std::string::npos);
}

TEST_F(DispatcherTest, CorsOnlyForConfiguredOriginsAndNeverWildcardWithCredentials) {
  Dispatcher none(router_, *metrics_, {}, &auth_);
  EXPECT_EQ(Call(none, Method::kGet, "/open", {{"Origin", "https://evil.example"}}).Header("Access-Control-Allow-Origin"),
            "");

  Dispatcher listed(router_, *metrics_, {.cors_origins = {"https://app.example"}, .cors_allow_credentials = true},
                    &auth_);
  Response ok = Call(listed, Method::kGet, "/open", {{"Origin", "https://app.example"}});
  EXPECT_EQ(ok.Header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(ok.Header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(ok.Header("Vary"), "Origin");
  Response other = Call(listed, Method::kGet, "/open", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.Header("Access-Control-Allow-Origin"), "");

  Dispatcher wildcard(router_, *metrics_, {.cors_origins = {"*"}, .cors_allow_credentials = true}, &auth_);
  Response any = Call(wildcard, Method::kGet, "/open", {{"Origin", "https://whoever.example"}});
  EXPECT_EQ(any.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(any.Header("Access-Control-Allow-Credentials"), "");
}

TEST_F(DispatcherTest, PreflightAnswersFromTheRouteTable) {
  Dispatcher d(router_, *metrics_, {.cors_origins = {"https://app.example"}}, &auth_);
  Response r = Call(d, Method::kOptions, "/admin/thing",
                    {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "POST, OPTIONS");
  EXPECT_NE(r.Header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(Call(d, Method::kOptions, "/nowhere").status, 404);
  // The headers the browser asks for (the openai package sends its own X-Stainless-* on every call).
  const std::string asked = "authorization,content-type,x-stainless-lang,x-stainless-retry-count";
  Response sdk = Call(d, Method::kOptions, "/admin/thing",
                      {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"},
                       {"Access-Control-Request-Headers", asked}});
  EXPECT_EQ(sdk.Header("Access-Control-Allow-Headers"), asked);
  Response odd = Call(d, Method::kOptions, "/admin/thing",
                      {{"Origin", "https://app.example"}, {"Access-Control-Request-Headers", "x-a; x-b=\"1\""}});
  EXPECT_NE(odd.Header("Access-Control-Allow-Headers").find("Authorization"), std::string::npos)
      << "anything but header names: the ones Chorus reads";
  Response stranger = Call(d, Method::kOptions, "/admin/thing",
                           {{"Origin", "https://evil.example"}, {"Access-Control-Request-Headers", asked}});
  EXPECT_EQ(stranger.Header("Access-Control-Allow-Headers"), "") << "only for allowed origins";
}

TEST_F(DispatcherTest, MetricsCountPerRouteAndStatus) {
  Dispatcher d(router_, *metrics_, {.access_log = false}, &auth_);
  for (int i = 0; i < 3; ++i) {
    Request request(Method::kGet, "/open");
    Response response = RunTask(d.Dispatch(request));
    d.Record(request, response.status, response.body.size(), std::chrono::microseconds(120));
  }
  Request missing(Method::kGet, "/missing");
  Response r = RunTask(d.Dispatch(missing));
  d.Record(missing, r.status, r.body.size(), std::chrono::microseconds(50));
  std::string out;
  metrics_->Render(out);
  EXPECT_NE(out.find("chorus_http_requests_total{method=\"GET\",route=\"/open\",status=\"200\"} 3"), std::string::npos)
      << out;
  EXPECT_NE(out.find("chorus_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(out.find("chorus_http_request_duration_seconds_count{method=\"GET\",route=\"/open\",status=\"200\"} 3"),
            std::string::npos);
}

}  // namespace
}  // namespace chorus::http

namespace chorus::http {
namespace {

// Grants an API-key principal with the scopes listed after "Bearer key:" (comma-separated).
class KeyAuthenticator final : public Authenticator {
 public:
  Task<Result<Principal>> Authenticate(const Request& request) override {
    std::string_view auth = request.Header("Authorization");
    Principal p;
    p.user_id = "u1";
    p.api_key_id = "k1";
    std::string scopes(auth.substr(std::string_view("Bearer key:").size()));
    for (auto part : Split(scopes, ',')) p.scopes.emplace_back(part);
    p.is_admin = true;
    co_return p;
  }
};

TEST(DispatcherScopeTest, ApiKeysNeedTheRouteScope) {
  Router router;
  auto ok = [](Request&) -> Task<Response> { co_return Response::NoContent(); };
  ASSERT_TRUE(router.Add({Method::kGet, "/things", Access::kUser, ok, ""}));
  ASSERT_TRUE(router.Add({Method::kPost, "/things", Access::kUser, ok, ""}));
  ASSERT_TRUE(router.Add({Method::kPost, "/v1/infer", Access::kUser, ok, "", "inference"}));
  ASSERT_TRUE(router.Add({Method::kGet, "/admin/x", Access::kAdmin, ok, ""}));
  HttpMetrics metrics(router);
  KeyAuthenticator auth;
  Dispatcher d(router, metrics, {.access_log = false}, &auth);
  auto call = [&](Method m, const char* path, const char* scopes) {
    Request r(m, path);
    const std::string header = std::string("Bearer key:") + scopes;
    r.AddHeader("Authorization", header);
    return testing::RunTask(d.Dispatch(r)).status;
  };
  EXPECT_EQ(call(Method::kGet, "/things", "read"), 204);
  EXPECT_EQ(call(Method::kPost, "/things", "read"), 403);
  EXPECT_EQ(call(Method::kPost, "/things", "all"), 204);
  EXPECT_EQ(call(Method::kPost, "/v1/infer", "inference"), 204);
  EXPECT_EQ(call(Method::kPost, "/v1/infer", "read"), 403);
  EXPECT_EQ(call(Method::kGet, "/admin/x", "read"), 403);
  EXPECT_EQ(call(Method::kGet, "/admin/x", "admin"), 204);
  EXPECT_EQ(call(Method::kGet, "/things", "admin"), 403);
}

}  // namespace
}  // namespace chorus::http
