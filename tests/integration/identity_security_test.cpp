// Security properties of the accounts system: route-table walks for admin routes and for other
// users' ids, scopes, mass assignment, revocation on disable, secrets at rest and a canary search
// of the database and the logs.
#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "auth/secret_box.h"
#include "base/ids.h"
#include "base/time.h"
#include "tests/integration/identity_fixture.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct RouteInfo {
  std::string method, path, access;
};

std::vector<RouteInfo> RouteTable(const TempDir& dir) {
  auto [code, out] = RunCommand({CHORUS_BINARY, "routes", "--json", "--data-dir", (dir.path() / "routes").string(),
                                 "--database", "sqlite:" + (dir.path() / "routes.db").string()});
  EXPECT_EQ(code, 0) << out;
  std::vector<RouteInfo> routes;
  const json::value parsed = json::parse(out);
  for (const auto& r : parsed.as_array()) {
    routes.push_back({std::string(r.at("method").as_string()), std::string(r.at("path").as_string()),
                      std::string(r.at("access").as_string())});
  }
  return routes;
}

std::string Fill(std::string path, const std::string& value) {
  const auto open = path.find('{');
  if (open == std::string::npos) return path;
  return path.substr(0, open) + value + path.substr(path.find('}', open) + 1);
}

TEST_P(IdentityTest, EveryAdminRouteRefusesUsersAndStrangers) {
  Start();
  const std::string user = SignUp("ann");
  const std::string admin = AdminToken();
  const std::string target = std::string(Register("bob")["id"].as_string());
  int admin_routes = 0;
  for (const auto& route : RouteTable(dir_)) {
    if (route.access != "admin") continue;
    ++admin_routes;
    const std::string path = Fill(route.path, target);
    const std::string body = route.method == "GET" || route.method == "DELETE" ? "" : R"({"access_role":"admin"})";
    EXPECT_EQ(api().Call(route.method, path, body, user).status, 403) << route.method << " " << route.path;
    EXPECT_EQ(api().Call(route.method, path, body).status, 401) << route.method << " " << route.path;
  }
  EXPECT_GE(admin_routes, 3);
  EXPECT_EQ(Sql("SELECT access_role FROM users WHERE id = $1", {target})[0].Text(0), "user") << "no side effect";
  EXPECT_EQ(api().Get("/api/v1/admin/users", admin).status, 200);
}

// Every user route with a parameter in its path, walked from the route table: another user's id
// answers 404 and changes nothing. A new route must add itself to `kCases` or this test fails.
TEST_P(IdentityTest, EveryRouteWithAnIdRefusesAnotherUsersId) {
  Start();
  const std::string alice = SignUp("alice");
  const std::string bob = SignUp("bob");
  auto key = api().Post("/api/v1/api-keys", {{"name", "alice's"}}, alice);
  ASSERT_EQ(key.status, 201);
  ASSERT_EQ(api().Call("PUT", "/api/v1/me/providers/openai", R"({"api_key":"sk-alice-0123456789"})", alice).status, 200);
  // A job of alice's (jobs are made by the services that need them; here, directly).
  const std::string alice_id = api().Get("/api/v1/me", alice).Str("id");
  const std::string job_id = NewUuidV7();
  Sql("INSERT INTO jobs (id, kind, user_id) VALUES ($1, 'test.idle', $2)", {job_id, alice_id});
  auto job_untouched = [&] {
    auto r = api().Get("/api/v1/jobs/" + job_id, alice);
    return r.status == 200 && r.Str("status") == "pending" && !r.json.at("cancel_requested").as_bool();
  };
  // A conversation of alice's with one message (made directly: no model provider is configured here).
  const std::string conversation_id = NewUuidV7();
  Sql("INSERT INTO conversations (id, user_id, model) VALUES ($1, $2, 'some-model')", {conversation_id, alice_id});
  Sql("INSERT INTO messages (id, conversation_id, role, content) VALUES ($1, $2, 'user', 'hello')",
      {NewUuidV7(), conversation_id});
  auto conversation_untouched = [&] {
    auto r = api().Get("/api/v1/conversations/" + conversation_id + "/messages", alice);
    return r.status == 200 && r.json.at("data").as_array().size() == 1;
  };
  // A stored track of alice's.
  auto track = api().Post("/api/v1/speech", {{"input", "Alice's words."}, {"voice", "alloy"}}, alice);
  ASSERT_EQ(track.status, 201) << track.body;
  const std::string track_id = track.Str("id");
  auto track_untouched = [&] { return api().Get("/api/v1/tracks/" + track_id + "/alignment", alice).status == 200; };
  // A queued transcription of alice's (made directly: its job is never run here).
  const std::string transcription_id = NewUuidV7();
  Sql("INSERT INTO transcriptions (id, user_id, status) VALUES ($1, $2, 'pending')", {transcription_id, alice_id});
  auto transcription_untouched = [&] { return api().Get("/api/v1/transcriptions/" + transcription_id, alice).status == 200; };
  // pattern -> (alice's value for the parameter, a probe that alice's resource still exists)
  struct Case {
    std::string value;
    std::function<bool()> still_there;
  };
  const std::map<std::string, Case> kCases = {
      {"/api/v1/api-keys/{id}",
       {key.Str("id"),
        [&] { return api().Get("/api/v1/api-keys", alice).json.at("data").as_array()[0].at("revoked_at").is_null(); }}},
      {"/api/v1/me/providers/{provider}",
       {"openai", [&] { return api().Get("/api/v1/me/providers", alice).json.at("data").as_array().size() == 1; }}},
      {"/api/v1/jobs/{id}", {job_id, job_untouched}},
      {"/api/v1/jobs/{id}/cancel", {job_id, job_untouched}},
      {"/api/v1/conversations/{id}", {conversation_id, conversation_untouched}},
      {"/api/v1/conversations/{id}/messages", {conversation_id, conversation_untouched}},
      // Not a per-user resource, but a name that is not served answers 404 all the same.
      {"/v1/models/{model}", {"some-model", [] { return true; }}},
      {"/api/v1/tracks/{id}", {track_id, track_untouched}},
      {"/api/v1/tracks/{id}/audio", {track_id, track_untouched}},
      {"/api/v1/tracks/{id}/alignment", {track_id, track_untouched}},
      {"/api/v1/transcriptions/{id}", {transcription_id, transcription_untouched}},
  };
  int walked = 0;
  auto routes = RouteTable(dir_);
  // PUT creates bob's own entry under the name: walk it last so it cannot mask the others.
  std::stable_partition(routes.begin(), routes.end(), [](const RouteInfo& r) { return r.method != "PUT"; });
  for (const auto& route : routes) {
    if (route.path.find('{') == std::string::npos || route.access != "user") continue;
    auto c = kCases.find(route.path);
    ASSERT_NE(c, kCases.end()) << route.method << " " << route.path << " has no case in this test";
    // A well-formed body, so that only the id can be what is refused.
    const std::string body = route.method == "PUT" || route.method == "PATCH" ? "{}"
                             : route.method == "POST"                          ? R"({"content":"probe"})"
                                                                               : "";
    auto r = api().Call(route.method, Fill(route.path, c->second.value), body, bob);
    if (route.method == "PUT") {
      // PUT creates bob's own entry under that name: never alice's.
      EXPECT_TRUE(r.status == 200 || r.status == 400) << r.body;
    } else {
      EXPECT_EQ(r.status, 404) << route.method << " " << route.path << ": " << r.body;
    }
    EXPECT_TRUE(c->second.still_there()) << route.method << " " << route.path << " touched alice's resource";
    ++walked;
  }
  EXPECT_GE(walked, 3);
}

TEST_P(IdentityTest, ProfileUpdatesRefusePrivilegedFields) {
  Start();
  const std::string token = SignUp("ann");
  for (const char* field : {"access_role", "credits", "is_verified", "account_type", "id", "is_active", "password_hash"}) {
    json::object body;
    body[field] = std::string(field) == "credits" ? json::value(1000000) : json::value("admin");
    auto r = api().Patch("/api/v1/me", body, token);
    EXPECT_EQ(r.status, 400) << field << ": " << r.body;
    EXPECT_EQ(r.ErrorParam(), field);
  }
  auto me = api().Get("/api/v1/me", token);
  EXPECT_EQ(me.Str("access_role"), "user");
  EXPECT_EQ(me.json.at("credits").to_number<int>(), 10);
  auto ok = api().Patch("/api/v1/me", {{"first_name", "Ann"}, {"avatar", "https://example.com/a.png"}}, token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Str("first_name"), "Ann");
}

TEST_P(IdentityTest, ApiKeysAreShownOnceScopedExpiringAndRevocable) {
  Start();
  const std::string token = SignUp("ann");
  auto created = api().Post("/api/v1/api-keys", {{"name", "reader"}, {"scopes", json::array{"read"}}}, token);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = created.Str("key");
  EXPECT_EQ(key.rfind("chorus_sk_", 0), 0u);
  EXPECT_EQ(created.Str("prefix"), key.substr(0, 14));
  auto listed = api().Get("/api/v1/api-keys", token);
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "the secret is shown only at creation";
  EXPECT_EQ(listed.body.find(key.substr(14, 20)), std::string::npos);

  EXPECT_EQ(api().Get("/api/v1/me", key).status, 200) << "read scope reads";
  EXPECT_EQ(api().Post("/api/v1/api-keys", {{"name", "x"}}, key).status, 403) << "read scope cannot write";
  EXPECT_EQ(api().Post("/api/v1/api-keys", {{"name", "x"}, {"scopes", json::array{"admin"}}}, token).status, 403)
      << "admin scope needs an administrator";
  EXPECT_EQ(api().Post("/api/v1/api-keys", {{"name", "x"}, {"scopes", json::array{"root"}}}, token).status, 400);
  EXPECT_EQ(api().Post("/api/v1/api-keys", {{"name", "x"}, {"expires_at", "2001-01-01T00:00:00Z"}}, token).status,
            400);

  const auto soon = std::chrono::system_clock::now() + 1500ms;
  auto expiring = api().Post("/api/v1/api-keys", {{"name", "short"}, {"expires_at", FormatTimestamp(soon)}}, token);
  ASSERT_EQ(expiring.status, 201) << expiring.body;
  EXPECT_EQ(api().Get("/api/v1/me", expiring.Str("key")).status, 200);
  std::this_thread::sleep_for(1600ms);
  EXPECT_EQ(api().Get("/api/v1/me", expiring.Str("key")).status, 401) << "expired, even from the cache";

  EXPECT_EQ(api().Call("DELETE", "/api/v1/api-keys/" + created.Str("id"), "", token).status, 204);
  EXPECT_EQ(api().Get("/api/v1/me", key).status, 401) << "revoked";
  EXPECT_EQ(api().Call("DELETE", "/api/v1/api-keys/" + created.Str("id"), "", token).status, 404);
}

TEST_P(IdentityTest, DisablingAUserRevokesEverythingAndTheLastAdminStays) {
  Start();
  const std::string admin = AdminToken();
  Register("ann");
  auto tokens = Login("ann");
  const std::string access = tokens.Str("access_token");
  const std::string key = api().Post("/api/v1/api-keys", {{"name", "k"}}, access).Str("key");
  ASSERT_EQ(api().Get("/api/v1/me", key).status, 200);
  const std::string id(api().Get("/api/v1/me", access).Str("id"));
  ASSERT_EQ(api().Patch("/api/v1/admin/users/" + id, {{"is_active", false}}, admin).status, 200);
  EXPECT_EQ(api().Get("/api/v1/me", access).status, 401);
  EXPECT_EQ(api().Get("/api/v1/me", key).status, 401);
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", tokens.Str("refresh_token")}}).status, 401);
  EXPECT_EQ(Login("ann").status, 401);

  const std::string admin_id(api().Get("/api/v1/me", admin).Str("id"));
  EXPECT_EQ(api().Patch("/api/v1/admin/users/" + admin_id, {{"access_role", "user"}}, admin).status, 409);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/admin/users/" + admin_id, "", admin).status, 409);
  ASSERT_EQ(api().Call("DELETE", "/api/v1/admin/users/" + id, "", admin).status, 204);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM api_keys WHERE user_id = $1", {id})[0].Int(0), 0) << "deleted with the user";
  EXPECT_EQ(api().Call("DELETE", "/api/v1/admin/users/" + id, "", admin).status, 404);
}

TEST_P(IdentityTest, ProviderKeysAreEncryptedAndShownByTheirLastFourCharacters) {
  Start();
  const std::string token = SignUp("ann");
  const std::string secret = "sk-proj-CANARYproviderKEY7788";
  auto put = api().Call("PUT", "/api/v1/me/providers/openai", json::serialize(json::object{{"api_key", secret}}), token);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Str("api_key_last4"), "7788");
  EXPECT_EQ(put.body.find("CANARY"), std::string::npos);
  auto row = Sql("SELECT api_key_ciphertext, key_id, user_id FROM provider_configs");
  ASSERT_EQ(row.size(), 1u);
  const std::string ciphertext = row[0].BlobBytes(0);
  EXPECT_EQ(ciphertext.find("CANARY"), std::string::npos);
  auto box = auth::SecretBox::Open(dir_.path() / "data", "");
  ASSERT_TRUE(box) << box.error().message;
  EXPECT_EQ(*box->Open(row[0].Text(1), ciphertext, "provider_configs:" + row[0].Text(2) + ":openai"), secret);

  // Rotation: a new master key, every secret re-sealed with it, still readable.
  server_.reset();
  auto [code, out] = RunCommand({CHORUS_BINARY, "keys", "rotate-master", "--data-dir", (dir_.path() / "data").string(),
                                 "--database", db_->url()});
  ASSERT_EQ(code, 0) << out;
  auto rotated = Sql("SELECT api_key_ciphertext, key_id FROM provider_configs");
  EXPECT_NE(rotated[0].Text(1), row[0].Text(1));
  auto reopened = auth::SecretBox::Open(dir_.path() / "data", "");
  EXPECT_EQ(reopened->current_key_id(), rotated[0].Text(1));
  EXPECT_EQ(*reopened->Open(rotated[0].Text(1), rotated[0].BlobBytes(0), "provider_configs:" + row[0].Text(2) + ":openai"),
            secret);
}

// Runs the flows with known secrets, then looks for any 8-character piece of them in every column
// of every table and in the server's log.
TEST_P(IdentityTest, CanarySecretsAppearNowhereAtRest) {
  Start();
  const std::string password = "Canary-Passw0rd-Xq9";
  Register("canary", password);
  auto tokens = Login("canary", password);
  auto refreshed = api().Post("/api/v1/auth/refresh", {{"refresh_token", tokens.Str("refresh_token")}});
  const std::string access = refreshed.Str("access_token");
  const std::string key = api().Post("/api/v1/api-keys", {{"name", "canary"}}, access).Str("key");
  ASSERT_EQ(api().Get("/api/v1/me", key).status, 200);
  const std::string provider_key = "sk-canaryProviderSecret-0042";
  ASSERT_EQ(api().Call("PUT", "/api/v1/me/providers/openai", json::serialize(json::object{{"api_key", provider_key}}),
                       access).status,
            200);
  ASSERT_EQ(api().Post("/api/v1/me/password", {{"current_password", password}, {"new_password", "Canary-Next-Pw7"}},
                       access).status,
            204);
  server_->process().Signal(SIGTERM);  // flushes the log and the API-key use times
  ASSERT_TRUE(server_->process().Wait(10s));

  // The random parts of tokens (after their type prefix) and the whole of passwords and keys.
  std::vector<std::string> secrets = {password, "Canary-Next-Pw7", provider_key.substr(3),
                                      tokens.Str("access_token").substr(10), tokens.Str("refresh_token").substr(10),
                                      access.substr(10), refreshed.Str("refresh_token").substr(10), key.substr(14)};
  std::string haystack = Log();
  const char* tables_sql = GetParam() == store::Dialect::kSqlite
                               ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                               : "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()";
  for (store::Row t : Sql(tables_sql)) {
    for (store::Row r : Sql("SELECT * FROM " + t.Text(0))) {
      for (size_t c = 0; c < r.size(); ++c) haystack += r.BlobBytes(c) + "\n";
    }
  }
  ASSERT_GT(haystack.size(), 1000u);
  for (const auto& secret : secrets) {
    ASSERT_GE(secret.size(), 8u);
    for (size_t i = 0; i + 8 <= secret.size(); ++i) {
      EXPECT_EQ(haystack.find(secret.substr(i, 8)), std::string::npos)
          << "a piece of a secret is at rest: \"" << secret.substr(i, 8) << "\"";
    }
  }
}

}  // namespace
}  // namespace chorus::testing
