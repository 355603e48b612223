#include "store/migrate.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/test_db.h"

namespace chorus::store {
namespace {

using chorus::testing::TestDatabase;

class MigrateTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override { test_ = TestDatabase::Create(GetParam()); }
  Database& db() { return test_->db(); }

  bool TableExists(const std::string& name) {
    auto lease = db().Acquire(Access::kRead);
    auto rows = (*lease)->Exec(db().dialect() == Dialect::kSqlite
                                   ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1"
                                   : "SELECT 1 FROM pg_tables WHERE tablename = $1",
                               name);
    return rows && !rows->empty();
  }

  std::unique_ptr<TestDatabase> test_;
};

const Migration kTwo[] = {
    {1, "first", "CREATE TABLE first_table (id INTEGER PRIMARY KEY);"},
    {2, "second", "CREATE TABLE second_table (id INTEGER PRIMARY KEY); CREATE INDEX second_idx ON second_table (id);"},
};

TEST_P(MigrateTest, AppliesPendingOnceAndReportsCurrent) {
  auto before = InspectMigrations(db(), kTwo);
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(before->pending, (std::vector<int>{1, 2}));
  EXPECT_FALSE(before->Current());

  auto applied = ApplyMigrations(db(), kTwo);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, 2);
  EXPECT_TRUE(TableExists("first_table"));
  EXPECT_TRUE(TableExists("second_table"));

  auto again = ApplyMigrations(db(), kTwo);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0);
  auto after = InspectMigrations(db(), kTwo);
  EXPECT_TRUE(after->Current());
  EXPECT_EQ(after->applied, (std::vector<int>{1, 2}));
}

TEST_P(MigrateTest, AChangedAppliedMigrationIsAnErrorAndBlocksFurtherOnes) {
  ASSERT_TRUE(ApplyMigrations(db(), std::span(kTwo, 1)));
  const Migration edited[] = {
      {1, "first", "CREATE TABLE first_table (id INTEGER PRIMARY KEY, extra TEXT);"},
      kTwo[1],
  };
  auto status = InspectMigrations(db(), edited);
  EXPECT_EQ(status->changed, std::vector<int>{1});
  EXPECT_FALSE(status->Current());
  auto applied = ApplyMigrations(db(), edited);
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(applied.error().message.find("0001_first.sql"), std::string::npos) << applied.error().message;
  EXPECT_FALSE(TableExists("second_table")) << "nothing may be applied past a changed migration";
}

TEST_P(MigrateTest, AFailingMigrationRollsBackAloneAndNamesItsFile) {
  const Migration broken[] = {
      kTwo[0],
      {2, "broken", "CREATE TABLE half_done (id INTEGER PRIMARY KEY); CREATE TABLE oops (;"},
  };
  auto applied = ApplyMigrations(db(), broken);
  ASSERT_FALSE(applied);
  EXPECT_NE(applied.error().message.find("0002_broken.sql"), std::string::npos) << applied.error().message;
  EXPECT_TRUE(TableExists("first_table"));
  EXPECT_FALSE(TableExists("half_done")) << "the failed migration's own statements roll back";
  auto status = InspectMigrations(db(), broken);
  EXPECT_EQ(status->applied, std::vector<int>{1});
  EXPECT_EQ(status->pending, std::vector<int>{2});
}

TEST_P(MigrateTest, MigrationsFromANewerBinaryAreToleratedAndReported) {
  ASSERT_TRUE(ApplyMigrations(db(), kTwo));
  auto status = InspectMigrations(db(), std::span(kTwo, 1));
  EXPECT_EQ(status->unknown, std::vector<int>{2});
  EXPECT_TRUE(status->Current());
}

TEST_P(MigrateTest, ConcurrentMigratorsApplyEachMigrationExactlyOnce) {
  auto other = test_->OpenAnother();
  Result<int> a = 0, b = 0;
  std::thread t1([&] { a = ApplyMigrations(db(), kTwo); });
  std::thread t2([&] { b = ApplyMigrations(*other, kTwo); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(*a + *b, 2);
  auto lease = db().Acquire(Access::kRead);
  auto rows = (*lease)->Exec("SELECT COUNT(*) FROM schema_migrations");
  EXPECT_EQ((*rows)[0].Int(0), 2);
}

TEST_P(MigrateTest, EmbeddedMigrationsApplyToAnEmptyDatabase) {
  auto applied = ApplyMigrations(db(), EmbeddedMigrations(GetParam()));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(*applied, static_cast<int>(EmbeddedMigrations(GetParam()).size()));
  auto status = InspectMigrations(db(), EmbeddedMigrations(GetParam()));
  EXPECT_TRUE(status->Current());
  auto lease = db().Acquire(Access::kRead);
  auto rows = (*lease)->Exec("SELECT checksum FROM schema_migrations WHERE version = 1");
  EXPECT_EQ((*rows)[0].Text(0), MigrationChecksum(EmbeddedMigrations(GetParam())[0]));
}

TEST_P(MigrateTest, UsageLogsKeepTheirRowsAndReferencesThroughTheRebuilds) {
  // Migrations 12 to 14 rebuild usage_logs on SQLite (WITHOUT ROWID, keyed by user and time, rows
  // that outlive their conversation) and change its keys, indexes and a foreign key on both: a
  // database that has rows keeps every one of them, a deleted conversation leaves its rows without
  // it, and a deleted user takes theirs.
  const auto all = EmbeddedMigrations(GetParam());
  ASSERT_EQ(all[11].name, "usage_logs_lean");
  ASSERT_EQ(all[12].name, "usage_logs_keyed_by_user");
  ASSERT_EQ(all[13].name, "usage_logs_outlive_conversations");
  ASSERT_TRUE(ApplyMigrations(db(), all.first(11)));
  const std::string user = "0190a8f0-0000-7000-8000-000000000001";
  const std::string conversation = "0190a8f0-0000-7000-8000-000000000002";
  const char* kSelect = "SELECT id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost, "
                        "latency_ms, status FROM usage_logs ORDER BY id";
  auto snapshot = [&] {
    std::vector<std::string> out;
    auto lease = db().Acquire(Access::kRead);
    auto rows = (*lease)->Exec(kSelect);
    EXPECT_TRUE(rows) << rows.error().message;
    for (Row r : *rows) {
      out.push_back(r.Text(0) + "|" + r.Text(1) + "|" + r.OptText(2).value_or("-") + "|" + r.Text(3) + "|" + r.Text(4) +
                    "|" + std::to_string(r.Int(5)) + "|" + std::to_string(r.Int(6)) + "|" +
                    std::to_string(r.Double(7)) + "|" + std::to_string(r.Int(8)) + "|" + std::to_string(r.Int(9)));
    }
    return out;
  };
  {
    auto lease = db().Acquire(Access::kWrite);
    Connection& c = **lease;
    ASSERT_TRUE(c.Exec("INSERT INTO users (id, email, username, password_hash) VALUES ($1, 'a@example.com', 'alice', 'x')",
                       user));
    ASSERT_TRUE(c.Exec("INSERT INTO conversations (id, user_id, title, model) VALUES ($1, $2, 't', 'm')", conversation,
                       user));
    for (int i = 0; i < 6; ++i) {
      const std::string id = "0190a8f0-0000-7000-8000-00000000010" + std::to_string(i);
      auto in = c.Exec("INSERT INTO usage_logs (id, user_id, conversation_id, provider, model, input_tokens, "
                       "output_tokens, cost, latency_ms, status) VALUES ($1, $2, $3, 'p', 'm', $4, 2, 0.5, 3, 200)",
                       id, user, i % 2 ? Value(conversation) : Value(), int64_t{i});
      ASSERT_TRUE(in) << in.error().message;
    }
  }
  const auto before = snapshot();
  ASSERT_EQ(before.size(), 6u);
  auto applied = ApplyMigrations(db(), all);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(snapshot(), before);
  auto lease = db().Acquire(Access::kWrite);
  Connection& c = **lease;
  ASSERT_TRUE(c.Exec("DELETE FROM conversations WHERE id = $1", conversation));
  EXPECT_EQ((*c.Exec("SELECT COUNT(*) FROM usage_logs"))[0].Int(0), 6) << "a conversation's rows outlive it";
  EXPECT_EQ((*c.Exec("SELECT COUNT(*) FROM usage_logs WHERE conversation_id IS NULL"))[0].Int(0), 6);
  ASSERT_TRUE(c.Exec("DELETE FROM users WHERE id = $1", user));
  EXPECT_EQ((*c.Exec("SELECT COUNT(*) FROM usage_logs"))[0].Int(0), 0) << "a user's rows go with them";
}

CHORUS_INSTANTIATE_FOR_BACKENDS(MigrateTest);

TEST(EmbeddedMigrationsTest, BothDialectsHaveTheSameVersionsAndNames) {
  auto sqlite = EmbeddedMigrations(Dialect::kSqlite);
  auto postgres = EmbeddedMigrations(Dialect::kPostgres);
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, static_cast<int>(i + 1));
    EXPECT_EQ(sqlite[i].version, postgres[i].version);
    EXPECT_EQ(sqlite[i].name, postgres[i].name);
  }
}

}  // namespace
}  // namespace chorus::store
