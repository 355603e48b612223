#include "services/health.h"

#include <gtest/gtest.h>

#include "tests/support/run_task.h"
#include "tests/support/test_db.h"

namespace chorus::services {
namespace {

using chorus::testing::RunTask;
using chorus::testing::TestDatabase;

class HealthTest : public ::testing::TestWithParam<store::Dialect> {};

TEST_P(HealthTest, ReadyOnlyOnceEveryMigrationIsApplied) {
  auto test = TestDatabase::Create(GetParam());
  BlockingPool pool(2);
  store::AsyncDb db(test->db(), pool);
  const auto migrations = store::EmbeddedMigrations(GetParam());
  HealthService health(db, migrations);

  Readiness before = RunTask(health.CheckReadiness());
  EXPECT_FALSE(before.ready);
  EXPECT_NE(before.reason.find("pending"), std::string::npos) << before.reason;

  ASSERT_TRUE(store::ApplyMigrations(test->db(), migrations));
  Readiness after = RunTask(health.CheckReadiness());
  EXPECT_TRUE(after.ready) << after.reason;
  EXPECT_EQ(after.applied, static_cast<int>(migrations.size()));
  EXPECT_EQ(after.latest, migrations.back().version);
  EXPECT_EQ(after.database, store::DialectName(GetParam()));
}

TEST_P(HealthTest, AChangedMigrationMakesTheServiceUnready) {
  auto test = TestDatabase::Create(GetParam());
  BlockingPool pool(1);
  store::AsyncDb db(test->db(), pool);
  const store::Migration original[] = {{1, "one", "CREATE TABLE one (id INTEGER);"}};
  const store::Migration edited[] = {{1, "one", "CREATE TABLE one (id INTEGER, x INTEGER);"}};
  ASSERT_TRUE(store::ApplyMigrations(test->db(), original));
  HealthService health(db, edited);
  Readiness r = RunTask(health.CheckReadiness());
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.reason.find("changed"), std::string::npos) << r.reason;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(HealthTest);

}  // namespace
}  // namespace chorus::services
