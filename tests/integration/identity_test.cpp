// Accounts, sessions and passwords through the real binary, on both databases.
#include <crypt.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "auth/passwords.h"
#include "tests/integration/identity_fixture.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST_P(IdentityTest, RegisterLoginAndMe) {
  Start();
  auto user = Register("ann");
  EXPECT_EQ(user["username"].as_string(), "ann");
  EXPECT_EQ(user["account_type"].as_string(), "registered");
  EXPECT_FALSE(user.contains("password_hash"));
  for (const char* login : {"ann", "ann@example.com", "ANN@Example.com"}) {
    auto r = Login(login);
    ASSERT_EQ(r.status, 200) << login << r.body;
    EXPECT_EQ(r.Str("token_type"), "bearer");
    EXPECT_EQ(r.json.at("expires_in").to_number<int>(), 3600);
    EXPECT_EQ(r.raw.Header("Cache-Control"), "no-store");
    auto me = api().Get("/api/v1/me", r.Str("access_token"));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.Str("id"), user["id"].as_string());
    EXPECT_TRUE(me.json.at("last_login_at").is_string());
  }
  auto by_email_field = api().Post("/api/v1/auth/login", {{"email", "ann@example.com"}, {"password", kPassword}});
  EXPECT_EQ(by_email_field.status, 200);
  EXPECT_EQ(api().Get("/api/v1/me").status, 401);
  EXPECT_EQ(api().Get("/api/v1/me", "chorus_st_not-a-real-token").status, 401);
}

TEST_P(IdentityTest, RegistrationRulesAndDuplicates) {
  Start();
  Register("ann");
  struct Case {
    json::object body;
    int status;
    const char* param;
  };
  const Case cases[] = {
      {{{"email", "bob@example.com"}, {"username", "bob"}, {"password", "short1A"}}, 400, "password"},
      {{{"email", "bob@example.com"}, {"username", "bob"}, {"password", "Password1"}}, 400, "password"},
      {{{"email", "bob@example.com"}, {"username", "bob"}, {"password", "nouppercase1"}}, 400, "password"},
      {{{"email", "not-an-email"}, {"username", "bob"}, {"password", kPassword}}, 400, "email"},
      {{{"email", "bob@example.com"}, {"username", "b b"}, {"password", kPassword}}, 400, "username"},
      {{{"email", "bob@example.com"}, {"password", kPassword}}, 400, "username"},
      {{{"email", "ANN@example.com"}, {"username", "bob"}, {"password", kPassword}}, 409, ""},
      {{{"email", "bob@example.com"}, {"username", "Ann"}, {"password", kPassword}}, 409, ""},
  };
  for (const auto& c : cases) {
    auto r = api().Post("/api/v1/auth/register", c.body);
    EXPECT_EQ(r.status, c.status) << json::serialize(c.body) << " -> " << r.body;
    EXPECT_EQ(r.ErrorParam(), c.param) << r.body;
  }
  EXPECT_EQ(api().Call("POST", "/api/v1/auth/register", "{not json").status, 400);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM users WHERE access_role = 'user'")[0].Int(0), 1) << "nothing was created";
}

TEST_P(IdentityTest, PasswordsAreStoredAsArgon2idAtOwaspParameters) {
  Start();
  auto user = Register("ann");
  auto rows = Sql("SELECT password_hash FROM users WHERE id = $1", {std::string(user["id"].as_string())});
  EXPECT_EQ(rows[0].Text(0).rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << rows[0].Text(0);
}

TEST_P(IdentityTest, WeakerHashesAreUpgradedAtLogin) {
  Start();
  auto user = Register("ann");
  const std::string id(user["id"].as_string());
  auth::PasswordHasher weak({.memory_bytes = 8 * 1024 * 1024, .iterations = 1});
  Sql("UPDATE users SET password_hash = $1 WHERE id = $2", {*weak.Hash(kPassword), id});
  ASSERT_EQ(Login("ann").status, 200);
  EXPECT_EQ(Sql("SELECT password_hash FROM users WHERE id = $1", {id})[0].Text(0).rfind("$argon2id$v=19$m=19456,t=2,", 0),
            0u);
}

TEST_P(IdentityTest, ImportedBcryptHashesLogInAndAreUpgraded) {
  Start();
  auto user = Register("ann");
  const std::string id(user["id"].as_string());
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting), nullptr);
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  std::string bcrypt = crypt_r("Legacy-Pass-1", setting, &data);
  bcrypt.replace(0, 4, "$2y$");  // as PHP exports them
  Sql("UPDATE users SET password_hash = $1 WHERE id = $2", {bcrypt, id});
  EXPECT_EQ(Login("ann", "Legacy-Pass-2").status, 401);
  ASSERT_EQ(Login("ann", "Legacy-Pass-1").status, 200);
  EXPECT_EQ(Sql("SELECT password_hash FROM users WHERE id = $1", {id})[0].Text(0).rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(Login("ann", "Legacy-Pass-1").status, 200) << "the same password works after the upgrade";
}

TEST_P(IdentityTest, LoginFailuresLookAndTakeTheSame) {
  Start();
  Register("ann");
  Register("dis");
  Sql("UPDATE users SET is_active = $1 WHERE username = 'dis'", {false});
  auto time = [&](const char* login, const char* password, std::string* body) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto r = Login(login, password);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      EXPECT_EQ(r.status, 401);
      *body = r.body;
    }
    std::sort(ms.begin(), ms.end());
    return ms[2];
  };
  std::string unknown, wrong, disabled;
  const double t_unknown = time("nobody", kPassword, &unknown);
  const double t_wrong = time("ann", "Wrong-Pass-1", &wrong);
  const double t_disabled = time("dis", kPassword, &disabled);
  EXPECT_EQ(unknown, wrong) << "byte-for-byte the same body";
  EXPECT_EQ(unknown, disabled);
  // Without the dummy verification an unknown login answers ~100x faster; the bound only has to
  // tell "hashed" from "not hashed".
  EXPECT_GT(t_unknown, t_wrong / 3) << t_unknown << " vs " << t_wrong;
  EXPECT_LT(t_unknown, t_wrong * 3);
  EXPECT_GT(t_disabled, t_wrong / 3);
}

TEST_P(IdentityTest, FailedLoginsAreThrottledAndTheLockClearsByItself) {
  Start({"--set", "auth.max_login_failures=3", "--set", "auth.login_failure_window=2s"});
  Register("ann");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Login("ann", "Wrong-Pass-1").status, 401);
  auto locked = Login("ann");
  EXPECT_EQ(locked.status, 429) << "even the right password waits";
  const int retry = std::stoi(locked.raw.Header("Retry-After"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 2);
  auto unknown_locked = Login("ANN", "x");
  EXPECT_EQ(unknown_locked.status, 429) << "the lock is on the login name, case-insensitively";
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(Login("ann").status, 200) << "the owner gets in once the window has passed";
}

TEST_P(IdentityTest, RefreshRotatesAndAReplayRevokesTheFamily) {
  Start();
  Register("ann");
  auto first = Login("ann");
  const std::string refresh1 = first.Str("refresh_token");
  auto second = api().Post("/api/v1/auth/refresh", {{"refresh_token", refresh1}});
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.Str("refresh_token"), refresh1);
  EXPECT_NE(second.Str("access_token"), first.Str("access_token"));
  EXPECT_EQ(api().Get("/api/v1/me", second.Str("access_token")).status, 200);
  EXPECT_EQ(api().Get("/api/v1/me", first.Str("access_token")).status, 401) << "the rotated session ended";

  // The old token comes back (stolen): refused, and the whole family with it.
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", refresh1}}).status, 401);
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", second.Str("refresh_token")}}).status, 401);
  EXPECT_EQ(api().Get("/api/v1/me", second.Str("access_token")).status, 401);
  EXPECT_EQ(Login("ann").status, 200) << "a fresh login still works";
}

TEST_P(IdentityTest, ConcurrentUsesOfOneRefreshTokenLetAtMostOneThrough) {
  Start();
  Register("ann");
  const std::string refresh = Login("ann").Str("refresh_token");
  std::atomic<int> ok{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 6; ++i) {
    racers.emplace_back([&] {
      if (api().Post("/api/v1/auth/refresh", {{"refresh_token", refresh}}).status == 200) ++ok;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_P(IdentityTest, LogoutEndsTheSession) {
  Start();
  Register("ann");
  auto tokens = Login("ann");
  const std::string access = tokens.Str("access_token");
  ASSERT_EQ(api().Get("/api/v1/me", access).status, 200);  // now cached
  EXPECT_EQ(api().Post("/api/v1/auth/logout", json::object(), access).status, 204);
  EXPECT_EQ(api().Get("/api/v1/me", access).status, 401);
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", tokens.Str("refresh_token")}}).status, 401)
      << "its refresh token ends with it";
}

TEST_P(IdentityTest, ChangingThePasswordEndsEveryOtherSession) {
  Start();
  Register("ann");
  auto a = Login("ann"), b = Login("ann");
  ASSERT_EQ(api().Get("/api/v1/me", b.Str("access_token")).status, 200);
  auto wrong = api().Post("/api/v1/me/password", {{"current_password", "Nope-Nope-1"}, {"new_password", "N3w-Passphrase"}},
                          a.Str("access_token"));
  EXPECT_EQ(wrong.status, 403);
  auto weak = api().Post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "weak"}},
                         a.Str("access_token"));
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.ErrorParam(), "new_password");
  ASSERT_EQ(api().Post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "N3w-Passphrase"}},
                       a.Str("access_token"))
                .status,
            204);
  EXPECT_EQ(api().Get("/api/v1/me", a.Str("access_token")).status, 200) << "this session stays";
  EXPECT_EQ(api().Get("/api/v1/me", b.Str("access_token")).status, 401);
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", b.Str("refresh_token")}}).status, 401);
  EXPECT_EQ(api().Post("/api/v1/auth/refresh", {{"refresh_token", a.Str("refresh_token")}}).status, 200);
  EXPECT_EQ(Login("ann").status, 401);
  EXPECT_EQ(Login("ann", "N3w-Passphrase").status, 200);
}

TEST_P(IdentityTest, GuestsCanUpgradeToRegistered) {
  Start();
  auto guest = api().Post("/api/v1/auth/guest", json::object());
  ASSERT_EQ(guest.status, 201) << guest.body;
  const std::string token = guest.Str("access_token");
  const std::string id(guest.json.at("user").at("id").as_string());
  EXPECT_EQ(guest.json.at("user").at("account_type").as_string(), "guest");
  auto upgraded = api().Post("/api/v1/auth/register",
                             {{"email", "g@example.com"}, {"username", "formerguest"}, {"password", kPassword}}, token);
  ASSERT_EQ(upgraded.status, 201) << upgraded.body;
  EXPECT_EQ(upgraded.Str("id"), id) << "the guest keeps their account";
  EXPECT_EQ(upgraded.Str("account_type"), "registered");
  EXPECT_EQ(Login("formerguest").status, 200);
}

TEST_P(IdentityTest, ClosedRegistrationRefusesNewAccounts) {
  Start({"--set", "auth.open_registration=false"});
  EXPECT_EQ(api().Post("/api/v1/auth/register", {{"email", "a@example.com"}, {"username", "abc"}, {"password", kPassword}})
                .status,
            403);
  EXPECT_EQ(api().Post("/api/v1/auth/guest", json::object()).status, 403);
  EXPECT_EQ(Login(kAdminEmail, kAdminPassword).status, 200);
}

TEST_P(IdentityTest, NoDefaultAccountAndTheBootstrapAdminIsMadeOnce) {
  {
    auto plain = std::make_unique<ChorusServer>(CHORUS_BINARY, db_->url(), dir_.path() / "plain");
    ASSERT_TRUE(plain->started()) << plain->Log();
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM users")[0].Int(0), 0) << "no default account";
  }
  Start();
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM users WHERE access_role = 'admin'")[0].Int(0), 1);
  Start({}, {"CHORUS_TEST_NOTHING=1"});  // restart: still one administrator, same password
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM users WHERE access_role = 'admin'")[0].Int(0), 1);
  EXPECT_EQ(api().Get("/api/v1/admin/users", AdminToken()).status, 200);
}

TEST_P(IdentityTest, SettingsHaveDefaultsAndValidation) {
  Start();
  const std::string token = SignUp("ann");
  auto defaults = api().Get("/api/v1/me/settings", token);
  ASSERT_EQ(defaults.status, 200);
  EXPECT_EQ(defaults.Str("preferred_language"), "en");
  EXPECT_EQ(defaults.Str("summary_quality"), "balanced");
  auto changed = api().Patch("/api/v1/me/settings",
                             {{"preferred_language", "de"}, {"settings_json", {{"theme", "dark"}}}}, token);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json.at("settings_json").at("theme").as_string(), "dark");
  EXPECT_EQ(api().Patch("/api/v1/me/settings", {{"settings_json", json::array{1, 2}}}, token).status, 400);
  EXPECT_EQ(api().Patch("/api/v1/me/settings", {{"settings_json", {{"big", std::string(70000, 'x')}}}}, token).status,
            400);
  EXPECT_EQ(api().Patch("/api/v1/me/settings", {{"user_id", "someone"}}, token).status, 400);
  EXPECT_EQ(api().Get("/api/v1/me/settings", token).Str("preferred_language"), "de");
}

CHORUS_INSTANTIATE_FOR_BACKENDS(IdentityTest);

}  // namespace
}  // namespace chorus::testing

namespace chorus::testing {
namespace {

namespace json = boost::json;

TEST_P(IdentityTest, CredentialEdgeCasesAnswerPrecisely) {
  Start();
  const std::string token = SignUp("ann");
  // A well-formed refresh token the server never issued: 401, like any other bad token.
  auto unknown = api().Post("/api/v1/auth/refresh", {{"refresh_token", "chorus_rt_" + std::string(43, 'A')}});
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  // Someone signed in does not silently get a second account.
  auto again = api().Post("/api/v1/auth/register",
                          {{"email", "ann2@example.com"}, {"username", "ann2"}, {"password", kPassword}}, token);
  EXPECT_EQ(again.status, 409) << again.body;
  // Password changes need a session, not an API key.
  const std::string key = api().Post("/api/v1/api-keys", {{"name", "k"}}, token).Str("key");
  EXPECT_EQ(api().Post("/api/v1/me/password", {{"current_password", kPassword}, {"new_password", "N3w-Passphrase"}}, key)
                .status,
            403);
  EXPECT_EQ(Login("ann").status, 200);
  // Guests register to claim an email or a username.
  auto guest = api().Post("/api/v1/auth/guest", json::object());
  EXPECT_EQ(api().Patch("/api/v1/me", {{"username", "squatter"}}, guest.Str("access_token")).status, 403);
  EXPECT_EQ(api().Patch("/api/v1/me", {{"first_name", "Guest"}}, guest.Str("access_token")).status, 200);
  // Admin filters are validated.
  EXPECT_EQ(api().Get("/api/v1/admin/users?is_active=yes", AdminToken()).status, 400);
  EXPECT_EQ(api().Get("/api/v1/admin/users?access_role=root", AdminToken()).status, 400);
  auto only_admins = api().Get("/api/v1/admin/users?access_role=admin&is_active=true", AdminToken());
  ASSERT_EQ(only_admins.status, 200);
  EXPECT_EQ(only_admins.json.at("data").as_array().size(), 1u);
  // An update's response shows the new updated_at on both databases.
  auto before = api().Get("/api/v1/me", token);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto patched = api().Patch("/api/v1/me", {{"last_name", "B"}}, token);
  EXPECT_GT(patched.Str("updated_at"), before.Str("updated_at"));
  EXPECT_EQ(patched.Str("updated_at"), api().Get("/api/v1/me", token).Str("updated_at"));
}

}  // namespace
}  // namespace chorus::testing
