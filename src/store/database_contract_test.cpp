// The storage contract: one suite, run against every backend (SQLite file and a real PostgreSQL).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/database.h"
#include "store/transaction.h"
#include "tests/support/test_db.h"

namespace chorus::store {
namespace {

using chorus::testing::TestDatabase;

class DatabaseContractTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    test_ = TestDatabase::Create(GetParam());
    Exec(R"(CREATE TABLE items (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              score DOUBLE PRECISION,
              flag BOOLEAN NOT NULL DEFAULT FALSE,
              payload BYTEA,
              qty INTEGER NOT NULL DEFAULT 0 CHECK (qty >= 0)))");
    Exec("CREATE TABLE parts (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE)");
  }

  Database& db() { return test_->db(); }

  void Exec(const std::string& sql) {
    auto lease = db().Acquire(Access::kWrite);
    ASSERT_TRUE(lease) << lease.error().message;
    // SQLite has no BYTEA or DOUBLE PRECISION type names in STRICT tables, but these tables are not
    // STRICT, and both names map to affinities SQLite accepts.
    auto done = (*lease)->ExecuteScript(sql);
    ASSERT_TRUE(done) << done.error().message;
  }

  Result<Rows> Write(std::string_view sql, std::initializer_list<Value> params) {
    auto lease = db().Acquire(Access::kWrite);
    if (!lease) return Unexpected(std::move(lease).error());
    return (*lease)->Execute(sql, std::span<const Value>(params.begin(), params.size()));
  }

  int64_t Count(std::string_view table) {
    auto lease = db().Acquire(Access::kRead);
    EXPECT_TRUE(lease);
    auto rows = (*lease)->Exec(std::string("SELECT COUNT(*) FROM ") + std::string(table));
    EXPECT_TRUE(rows) << rows.error().message;
    return (*rows)[0].Int(0);
  }

  std::unique_ptr<TestDatabase> test_;
};

TEST_P(DatabaseContractTest, ValuesRoundTripWithTheirTypes) {
  const std::string bytes("\x00\x01\xff binary", 10);
  ASSERT_TRUE(Write("INSERT INTO items (id, name, score, flag, payload) VALUES ($1, $2, $3, $4, $5)",
                    {7, "caf\xc3\xa9", 2.5, true, Blob{bytes}}));
  ASSERT_TRUE(Write("INSERT INTO items (id, name) VALUES ($1, $2)", {8, "nulls"}));
  auto lease = db().Acquire(Access::kRead);
  ASSERT_TRUE(lease);
  auto rows = (*lease)->Exec("SELECT id, name, score, flag, payload FROM items ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->columns()[1], "name");
  Row first = (*rows)[0];
  EXPECT_EQ(first.Int(0), 7);
  EXPECT_EQ(first.Text(1), "caf\xc3\xa9");
  EXPECT_DOUBLE_EQ(first.Double(2), 2.5);
  EXPECT_TRUE(first.Bool(3));
  EXPECT_EQ(first.BlobBytes(4), bytes);
  Row second = (*rows)[1];
  EXPECT_TRUE(second.IsNull(2));
  EXPECT_EQ(second.OptDouble(2), std::nullopt);
  EXPECT_FALSE(second.Bool(3));
  EXPECT_TRUE(second.IsNull(4));
}

TEST_P(DatabaseContractTest, NumberedPlaceholdersMayRepeatAndComeInAnyOrder) {
  ASSERT_TRUE(Write("INSERT INTO items (id, name, qty) VALUES ($2, $1, $2)", {"a", 5}));
  auto lease = db().Acquire(Access::kRead);
  auto rows = (*lease)->Exec("SELECT name, qty, '$1 is text' FROM items WHERE id = $1 AND qty = $1", 5);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Text(0), "a");
  EXPECT_EQ((*rows)[0].Text(2), "$1 is text");
}

TEST_P(DatabaseContractTest, ConstraintViolationsMapToErrorCodes) {
  ASSERT_TRUE(Write("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "one"}));
  auto duplicate = Write("INSERT INTO items (id, name) VALUES ($1, $2)", {2, "one"});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists) << duplicate.error().message;
  auto orphan = Write("INSERT INTO parts (id, item_id) VALUES ($1, $2)", {1, 999});
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, ErrorCode::kFailedPrecondition) << orphan.error().message;
  auto negative = Write("INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)", {3, "neg", -1});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument) << negative.error().message;
  auto missing = Write("INSERT INTO items (id, name) VALUES ($1, $2)", {4, nullptr});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument) << missing.error().message;
  EXPECT_EQ(Count("items"), 1);
}

TEST_P(DatabaseContractTest, BadStatementsAreErrorsNotCrashes) {
  auto lease = db().Acquire(Access::kWrite);
  auto syntax = (*lease)->Exec("SELEC nothing");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code, ErrorCode::kInternal);
  auto arity = (*lease)->Exec("SELECT $1::INTEGER + $2::INTEGER", 1);
  EXPECT_FALSE(arity);
  auto fine = (*lease)->Exec("SELECT 1");
  EXPECT_TRUE(fine) << "the connection must stay usable after errors";
}

TEST_P(DatabaseContractTest, AffectedRowsAreCounted) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Write("INSERT INTO items (id, name) VALUES ($1, $2)", {i, std::to_string(i)}));
  auto updated = Write("UPDATE items SET qty = 3 WHERE id < $1", {3});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->affected(), 3);
  auto deleted = Write("DELETE FROM items WHERE id >= $1", {4});
  EXPECT_EQ(deleted->affected(), 1);
}

TEST_P(DatabaseContractTest, CascadesFollowForeignKeys) {
  ASSERT_TRUE(Write("INSERT INTO items (id, name) VALUES ($1, $2)", {1, "one"}));
  ASSERT_TRUE(Write("INSERT INTO parts (id, item_id) VALUES ($1, $2)", {10, 1}));
  ASSERT_TRUE(Write("DELETE FROM items WHERE id = $1", {1}));
  EXPECT_EQ(Count("parts"), 0);
}

TEST_P(DatabaseContractTest, TransactionsCommitOnValueAndRollBackOnError) {
  auto ok = Transact(db(), Access::kWrite, [](Connection& c) -> Result<int> {
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 1, "kept"));
    return 1;
  });
  ASSERT_TRUE(ok) << ok.error().message;
  auto failed = Transact(db(), Access::kWrite, [](Connection& c) -> Status {
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 2, "dropped"));
    return Unexpected(ErrorCode::kConflict, "changed my mind");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict);
  auto failed_sql = Transact(db(), Access::kWrite, [](Connection& c) -> Status {
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 3, "dropped too"));
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 4, "kept"));  // duplicate name
    return Ok();
  });
  ASSERT_FALSE(failed_sql);
  EXPECT_EQ(failed_sql.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Count("items"), 1);
}

// PostgreSQL sends BEGIN together with the first statement: every way a transaction can start
// and end must behave as if BEGIN had gone alone.
TEST_P(DatabaseContractTest, TransactionsBehaveTheSameWhateverTheirFirstStatement) {
  // The first statement fails: the transaction is open, aborted, and rolls back.
  auto failed_first = Transact(db(), Access::kWrite, [](Connection& c) -> Status {
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)", 1, "negative", -1));
    return Ok();
  });
  ASSERT_FALSE(failed_first);
  EXPECT_EQ(failed_first.error().code, ErrorCode::kInvalidArgument);
  // Nothing at all: commits.
  EXPECT_TRUE(Transact(db(), Access::kWrite, [](Connection&) -> Status { return Ok(); }));
  // A script first, then a statement; and a read-only transaction.
  auto scripted = Transact(db(), Access::kWrite, [](Connection& c) -> Status {
    CHORUS_TRY(c.ExecuteScript("UPDATE items SET qty = 0 WHERE id = 0"));
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 2, "after a script"));
    return Ok();
  });
  ASSERT_TRUE(scripted) << scripted.error().message;
  auto read = Transact(db(), Access::kRead, [](Connection& c) -> Result<int64_t> {
    CHORUS_ASSIGN_OR_RETURN(Rows rows, c.Exec("SELECT COUNT(*) FROM items"));
    return rows[0].Int(0);
  });
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, 1);
  // A write inside a read-only transaction is refused, whichever statement comes first.
  auto refused = Transact(db(), Access::kRead, [](Connection& c) -> Status {
    CHORUS_TRY(c.Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 3, "read only"));
    return Ok();
  });
  EXPECT_FALSE(refused);
  // The connections came back clean: the next transaction sees only committed rows.
  auto lease = db().Acquire(Access::kWrite);
  EXPECT_FALSE((*lease)->InTransaction());
  EXPECT_EQ(Count("items"), 1);
}

TEST_P(DatabaseContractTest, ALeaseEndedInsideATransactionIsRolledBack) {
  {
    auto lease = db().Acquire(Access::kWrite);
    ASSERT_TRUE((*lease)->ExecuteScript(BeginStatement(db().dialect(), Access::kWrite)));
    ASSERT_TRUE((*lease)->Exec("INSERT INTO items (id, name) VALUES ($1, $2)", 1, "abandoned"));
    EXPECT_TRUE((*lease)->InTransaction());
  }
  EXPECT_EQ(Count("items"), 0);
  auto lease = db().Acquire(Access::kWrite);
  EXPECT_FALSE((*lease)->InTransaction());
}

TEST_P(DatabaseContractTest, RowLocksSerialiseReadModifyWrite) {
  ASSERT_TRUE(Write("INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)", {1, "counter", 0}));
  // SQLite serialises write transactions (BEGIN IMMEDIATE); PostgreSQL's READ COMMITTED needs the
  // row lock, as repositories doing read-modify-write must take it.
  const char* select = db().dialect() == Dialect::kPostgres ? "SELECT qty FROM items WHERE id = $1 FOR UPDATE"
                                                            : "SELECT qty FROM items WHERE id = $1";
  constexpr int kThreads = 4, kIncrements = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto done = Transact(db(), Access::kWrite, [select](Connection& c) -> Status {
          CHORUS_ASSIGN_OR_RETURN(Rows rows, c.Exec(select, 1));
          CHORUS_TRY(c.Exec("UPDATE items SET qty = $1 WHERE id = $2", rows[0].Int(0) + 1, 1));
          return Ok();
        });
        if (!done) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto lease = db().Acquire(Access::kRead);
  auto rows = (*lease)->Exec("SELECT qty FROM items WHERE id = $1", 1);
  EXPECT_EQ((*rows)[0].Int(0), kThreads * kIncrements);
}

TEST_P(DatabaseContractTest, PingAndDescribeWithoutSecrets) {
  EXPECT_TRUE(Ping(db()));
  EXPECT_EQ(db().Describe().find("password"), std::string::npos);
  EXPECT_FALSE(db().Stats().empty());
}

CHORUS_INSTANTIATE_FOR_BACKENDS(DatabaseContractTest);

}  // namespace
}  // namespace chorus::store
