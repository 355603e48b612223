#include "app/runtime.h"

#include <gtest/gtest.h>

#include "tests/support/test_db.h"

namespace chorus::app {
namespace {

// Every route of the real route table must say who may call it; a route that declares nothing
// fails here (and the server refuses to start with it).
TEST(RouteTableTest, EveryRouteDeclaresItsAccess) {
  testing::TempDir dir;
  auto config = config::Load({.overrides = {{"data_dir", dir.path().string()},
                                            {"database", "sqlite:" + (dir.path() / "t.db").string()}}});
  ASSERT_TRUE(config) << config.error().message;
  auto runtime = Runtime::Open(*config);
  ASSERT_TRUE(runtime) << runtime.error().message;
  ASSERT_TRUE((*runtime)->BuildRoutes());
  ASSERT_FALSE((*runtime)->router().routes().empty());
  for (const auto& route : (*runtime)->router().routes()) {
    EXPECT_NE(route->access, http::Access::kUndeclared)
        << http::MethodName(route->method) << " " << route->pattern << " declares no access";
    EXPECT_FALSE(route->summary.empty()) << route->pattern << " has no summary";
  }
}

TEST(RuntimeTest, DataDirectoryIsCreatedPrivate) {
  testing::TempDir dir;
  const auto data = dir.path() / "nested" / "data";
  auto config = config::Load({.overrides = {{"data_dir", data.string()},
                                            {"database", "sqlite:" + (data / "chorus.db").string()}}});
  ASSERT_TRUE(config);
  auto runtime = Runtime::Open(*config);
  ASSERT_TRUE(runtime) << runtime.error().message;
  const auto perms = std::filesystem::status(data).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace chorus::app
