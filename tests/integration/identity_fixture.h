// Shared fixture for the accounts tests: the real binary on a fresh database of each backend,
// with an administrator created by the bootstrap settings, and helpers for common flows.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_client.h"
#include "tests/support/process.h"
#include "tests/support/test_db.h"

namespace chorus::testing {

inline constexpr const char* kAdminEmail = "root@example.com";
inline constexpr const char* kAdminPassword = "Adm1n-Passphrase";
inline constexpr const char* kPassword = "Str0ng-Pass-42";

class IdentityTest : public ::testing::TestWithParam<store::Dialect> {
 protected:
  void SetUp() override { db_ = TestDatabase::Create(GetParam()); }

  // Starts (or restarts) the server with extra `serve` arguments and environment.
  void Start(std::vector<std::string> extra = {}, std::vector<std::string> env = {}) {
    server_.reset();
    env.push_back(std::string("CHORUS_BOOTSTRAP_ADMIN_EMAIL=") + kAdminEmail);
    env.push_back(std::string("CHORUS_BOOTSTRAP_ADMIN_PASSWORD=") + kAdminPassword);
    server_ = std::make_unique<ChorusServer>(CHORUS_BINARY, db_->url(), dir_.path() / "data", std::move(extra),
                                             std::move(env));
    ASSERT_TRUE(server_->started()) << server_->Log();
    api_ = std::make_unique<ApiClient>(server_->port());
  }

  const ApiClient& api() { return *api_; }

  // Registers `name` (email name@example.com) and returns the user JSON.
  boost::json::object Register(const std::string& name, const std::string& password = kPassword) {
    auto r = api().Post("/api/v1/auth/register",
                        {{"email", name + "@example.com"}, {"username", name}, {"password", password}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json.is_object() ? r.json.as_object() : boost::json::object();
  }

  // Logs in and returns the token response.
  ApiResponse Login(const std::string& login, const std::string& password = kPassword) {
    return api().Post("/api/v1/auth/login", {{"login", login}, {"password", password}});
  }

  // Registers and logs in; returns the access token.
  std::string SignUp(const std::string& name) {
    Register(name);
    auto r = Login(name);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Str("access_token");
  }

  std::string AdminToken() {
    auto r = Login(kAdminEmail, kAdminPassword);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Str("access_token");
  }

  // Runs SQL on the test database directly (to inspect or to set up what the API cannot).
  store::Rows Sql(const std::string& sql, std::initializer_list<store::Value> params = {}) {
    auto lease = db_->db().Acquire(store::Access::kWrite);
    EXPECT_TRUE(lease);
    auto rows = (*lease)->Execute(sql, std::span<const store::Value>(params.begin(), params.size()));
    EXPECT_TRUE(rows) << rows.error().message << "\n" << sql;
    return rows ? std::move(*rows) : store::Rows();
  }

  std::string Log() const { return server_ ? server_->Log() : std::string(); }

  TempDir dir_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<ChorusServer> server_;
  std::unique_ptr<ApiClient> api_;
};

}  // namespace chorus::testing
