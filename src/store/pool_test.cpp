#include "store/pool.h"

#include <gtest/gtest.h>

#include <thread>

namespace chorus::store {
namespace {

// A connection that does nothing: the pool's own behaviour is under test here, not a backend's.
class NullConnection final : public Connection {
 public:
  explicit NullConnection(bool* broken) : broken_(broken) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  Result<Rows> Execute(std::string_view, std::span<const Value>) override { return Rows(); }
  Status ExecuteScript(std::string_view) override { return Ok(); }
  bool Broken() const override { return broken_ && *broken_; }
  bool InTransaction() const override { return false; }

 private:
  bool* broken_;
};

TEST(ConnectionPoolTest, OpensLazilyReusesAndCountsUse) {
  int opened = 0;
  ConnectionPool pool("test", 2, std::chrono::milliseconds(50), [&]() -> Result<std::unique_ptr<Connection>> {
    ++opened;
    return std::unique_ptr<Connection>(std::make_unique<NullConnection>(nullptr));
  });
  EXPECT_EQ(pool.Stats().open, 0u);
  {
    auto a = pool.Acquire();
    ASSERT_TRUE(a);
    EXPECT_EQ(pool.Stats().in_use, 1u);
  }
  auto b = pool.Acquire();
  EXPECT_EQ(opened, 1) << "a returned connection is reused";
  EXPECT_EQ(pool.Stats().open, 1u);
}

TEST(ConnectionPoolTest, WaitsForAFreeConnectionThenTimesOut) {
  ConnectionPool pool("test", 1, std::chrono::milliseconds(100), []() -> Result<std::unique_ptr<Connection>> {
    return std::unique_ptr<Connection>(std::make_unique<NullConnection>(nullptr));
  });
  auto held = pool.Acquire();
  ASSERT_TRUE(held);
  const auto start = std::chrono::steady_clock::now();
  auto none = pool.Acquire();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
  EXPECT_EQ(pool.Stats().timeouts_total, 1u);
  EXPECT_EQ(pool.Stats().in_use, 1u);
}

TEST(ConnectionPoolTest, AWaiterGetsTheConnectionWhenItIsReturned) {
  ConnectionPool pool("test", 1, std::chrono::milliseconds(2000), []() -> Result<std::unique_ptr<Connection>> {
    return std::unique_ptr<Connection>(std::make_unique<NullConnection>(nullptr));
  });
  std::optional<ConnectionLease> held;
  held.emplace(std::move(*pool.Acquire()));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    held.reset();
  });
  auto got = pool.Acquire();
  releaser.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(pool.Stats().waits_total, 1u);
}

TEST(ConnectionPoolTest, BrokenConnectionsAreDiscardedAndFactoryErrorsReported) {
  bool broken = false;
  int opened = 0;
  bool fail = false;
  ConnectionPool pool("test", 1, std::chrono::milliseconds(50), [&]() -> Result<std::unique_ptr<Connection>> {
    if (fail) return Unexpected(ErrorCode::kUnavailable, "server down");
    ++opened;
    return std::unique_ptr<Connection>(std::make_unique<NullConnection>(&broken));
  });
  {
    auto a = pool.Acquire();
    broken = true;
  }
  EXPECT_EQ(pool.Stats().open, 0u);
  broken = false;
  fail = true;
  auto b = pool.Acquire();
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("server down"), std::string::npos);
  fail = false;
  EXPECT_TRUE(pool.Acquire()) << "a failed open frees its slot";
  EXPECT_EQ(opened, 2);
}

}  // namespace
}  // namespace chorus::store
