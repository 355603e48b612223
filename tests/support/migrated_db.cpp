#include "tests/support/migrated_db.h"

#include "store/migrate.h"
#include "store/users.h"

namespace chorus::testing {

void MigratedDatabaseTest::SetUp() {
  test_ = TestDatabase::Create(GetParam());
  auto applied = store::ApplyMigrations(test_->db(), store::EmbeddedMigrations(GetParam()));
  ASSERT_TRUE(applied) << applied.error().message;
}

store::ConnectionLease MigratedDatabaseTest::Write() {
  auto lease = db().Acquire(store::Access::kWrite);
  EXPECT_TRUE(lease) << lease.error().message;
  return std::move(*lease);
}

void MigratedDatabaseTest::Exec(const std::string& sql) {
  auto done = Write()->ExecuteScript(sql);
  ASSERT_TRUE(done) << done.error().message << "\n" << sql;
}

std::string MigratedDatabaseTest::MakeUser(const std::string& name) {
  auto user = store::users::Create(*Write(), {.email = name + "@example.com", .username = name,
                                              .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$x$y"});
  EXPECT_TRUE(user) << user.error().message;
  return user ? user->id : std::string();
}

int64_t MigratedDatabaseTest::Count(const std::string& table, const std::string& where) {
  auto rows = Write()->Exec("SELECT COUNT(*) FROM " + table + " WHERE " + where);
  EXPECT_TRUE(rows) << rows.error().message;
  return rows ? (*rows)[0].Int(0) : -1;
}

}  // namespace chorus::testing
