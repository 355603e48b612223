#include "http/router.h"

#include <gtest/gtest.h>

namespace chorus::http {
namespace {

Handler Noop() {
  return [](Request&) -> Task<Response> { co_return Response::NoContent(); };
}

Route MakeRoute(Method method, std::string pattern, Access access = Access::kPublic) {
  return Route{method, std::move(pattern), access, Noop(), ""};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [method, pattern] : std::vector<std::pair<Method, std::string>>{
             {Method::kGet, "/healthz"},
             {Method::kGet, "/api/v1/users/me"},
             {Method::kGet, "/api/v1/users/{id}"},
             {Method::kDelete, "/api/v1/users/{id}"},
             {Method::kGet, "/api/v1/users/{id}/keys/{key_id}"},
             {Method::kPost, "/api/v1/users/me/password"},
             {Method::kGet, "/"},
         }) {
      ASSERT_TRUE(router_.Add(MakeRoute(method, pattern)));
    }
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralsAndCapturesDecodedParameters) {
  auto m = router_.Find(Method::kGet, "/api/v1/users/u%201/keys/k-2");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route->pattern, "/api/v1/users/{id}/keys/{key_id}");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "u 1");
  EXPECT_EQ(m.params[1].second, "k-2");
  EXPECT_EQ(router_.Find(Method::kGet, "/").outcome, Router::Outcome::kFound);
}

TEST_F(RouterTest, LiteralSegmentsWinAndParametersTakeOverWhenALiteralBranchDeadEnds) {
  auto me = router_.Find(Method::kGet, "/api/v1/users/me");
  EXPECT_EQ(me.route->pattern, "/api/v1/users/me");
  // DELETE exists only for {id}: "me" is then an id, not a 405.
  auto del = router_.Find(Method::kDelete, "/api/v1/users/me");
  ASSERT_EQ(del.outcome, Router::Outcome::kFound);
  EXPECT_EQ(del.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(del.params[0].second, "me");
  // "/users/me/keys/x" only exists through the parameter branch.
  auto keys = router_.Find(Method::kGet, "/api/v1/users/me/keys/x");
  ASSERT_EQ(keys.outcome, Router::Outcome::kFound);
  EXPECT_EQ(keys.params[0].second, "me");
}

TEST_F(RouterTest, WrongMethodIsDistinguishedFromUnknownPath) {
  auto m = router_.Find(Method::kPost, "/healthz");
  EXPECT_EQ(m.outcome, Router::Outcome::kNoMethod);
  EXPECT_EQ(m.allowed, std::vector<Method>{Method::kGet});
  EXPECT_EQ(router_.Find(Method::kGet, "/nope").outcome, Router::Outcome::kNoPath);
  EXPECT_EQ(router_.Find(Method::kUnknown, "/healthz").outcome, Router::Outcome::kNoMethod);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = router_.Find(Method::kHead, "/healthz");
  ASSERT_EQ(m.outcome, Router::Outcome::kFound);
  EXPECT_EQ(m.route->method, Method::kGet);
}

TEST_F(RouterTest, PathsMatchExactly) {
  for (const char* path : {"/healthz/", "//healthz", "/HEALTHZ", "healthz", "", "/api/v1/users//keys/x"}) {
    EXPECT_NE(router_.Find(Method::kGet, path).outcome, Router::Outcome::kFound) << path;
  }
}

TEST_F(RouterTest, DuplicateAndMalformedRoutesAreRefused) {
  EXPECT_FALSE(router_.Add(MakeRoute(Method::kGet, "/healthz")));
  EXPECT_FALSE(router_.Add(MakeRoute(Method::kGet, "/api/v1/users/{other}"))) << "only the parameter name differs";
  EXPECT_FALSE(router_.Add(MakeRoute(Method::kGet, "no-slash")));
  EXPECT_FALSE(router_.Add(MakeRoute(Method::kGet, "/a//b")));
  EXPECT_TRUE(router_.Add(MakeRoute(Method::kPost, "/healthz")));
}

TEST_F(RouterTest, ALastParameterWithDotsTakesTheRestOfThePath) {
  ASSERT_TRUE(router_.Add(MakeRoute(Method::kGet, "/v1/models/{model...}")));
  EXPECT_FALSE(router_.Add(MakeRoute(Method::kGet, "/v1/models/{model...}/x"))) << "only the last may take the rest";
  for (auto [path, model] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/models/gpt-4o", "gpt-4o"},
           {"/v1/models/meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"},
           {"/v1/models/a/b/c%20d", "a/b/c d"}}) {
    auto m = router_.Find(Method::kGet, path);
    ASSERT_EQ(m.outcome, Router::Outcome::kFound) << path;
    EXPECT_EQ(m.route->pattern, "/v1/models/{model...}");
    ASSERT_EQ(m.params.size(), 1u);
    EXPECT_EQ(m.params[0].first, "model");
    EXPECT_EQ(m.params[0].second, model);
  }
  EXPECT_EQ(router_.Find(Method::kGet, "/v1/models").outcome, Router::Outcome::kNoPath) << "one segment at least";
  EXPECT_NE(router_.Find(Method::kGet, "/v1/models/a//b").outcome, Router::Outcome::kFound);
  EXPECT_EQ(router_.Find(Method::kPost, "/v1/models/a/b").outcome, Router::Outcome::kNoMethod);
  // A literal or a one-segment parameter still wins where it matches.
  ASSERT_TRUE(router_.Add(MakeRoute(Method::kGet, "/v1/models/{id}/card")));
  EXPECT_EQ(router_.Find(Method::kGet, "/v1/models/m1/card").route->pattern, "/v1/models/{id}/card");
  EXPECT_EQ(router_.Find(Method::kGet, "/v1/models/m1/cards").route->pattern, "/v1/models/{model...}");
}

TEST_F(RouterTest, UndeclaredAccessIsReported) {
  EXPECT_TRUE(router_.CheckDeclarations());
  ASSERT_TRUE(router_.Add(MakeRoute(Method::kGet, "/forgot", Access::kUndeclared)));
  auto check = router_.CheckDeclarations();
  ASSERT_FALSE(check);
  EXPECT_NE(check.error().message.find("GET /forgot"), std::string::npos);
}

}  // namespace
}  // namespace chorus::http
