// A TestDatabase with the full Chorus schema applied, plus small helpers shared by the store tests.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"
#include "tests/support/test_db.h"

namespace chorus::testing {

class MigratedDatabaseTest : public ::testing::TestWithParam<store::Dialect> {
 protected:
  void SetUp() override;
  store::Database& db() { return test_->db(); }
  store::Dialect dialect() const { return GetParam(); }
  // A leased write connection, for the duration of one test step.
  store::ConnectionLease Write();
  // Runs SQL that must succeed.
  void Exec(const std::string& sql);
  // Inserts a registered user and returns its id.
  std::string MakeUser(const std::string& name);
  int64_t Count(const std::string& table, const std::string& where = "1 = 1");

  std::unique_ptr<TestDatabase> test_;
};

}  // namespace chorus::testing
