// Workers wake when jobs are enqueued: in-process through the JobSignal, across processes through
// PostgreSQL NOTIFY, without waiting for their poll.
#include "jobs/notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "jobs/worker_pool.h"
#include "store/transaction.h"
#include "tests/support/migrated_db.h"

namespace chorus::jobs {
namespace {

using namespace std::chrono_literals;

class CountingHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext&) override {
    ran.fetch_add(1);
    return std::string();
  }
  std::atomic<int> ran{0};
};

using NotifierTest = testing::MigratedDatabaseTest;

TEST_P(NotifierTest, AnIdleWorkerOfAnotherProcessClaimsAtOnceNotAtItsNextPoll) {
  // On PostgreSQL the pool has its own connections and signal, as in another process; on SQLite
  // (one process) it shares the enqueuer's signal.
  const bool postgres = dialect() == store::Dialect::kPostgres;
  auto other_db = postgres ? test_->OpenAnother(2) : nullptr;
  JobSignal enqueuer_signal, other_signal;
  CountingHandler handler;
  HandlerRegistry registry;
  registry.Add("test.count", handler);
  WorkerPool pool(postgres ? *other_db : db(), registry, postgres ? other_signal : enqueuer_signal,
                  {.workers = 1, .poll_interval = 60s});
  pool.Start();
  std::this_thread::sleep_for(300ms);  // past its first claim: idle, waiting

  JobNotifier notifier(db(), enqueuer_signal);
  const auto enqueued_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(store::Transact(db(), store::Access::kWrite,
                              [](store::Connection& c) { return store::jobs::Enqueue(c, {.kind = "test.count"}); }));
  notifier.Notify();
  while (handler.ran.load() == 0 && std::chrono::steady_clock::now() - enqueued_at < 20s) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(handler.ran.load(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - enqueued_at, 5s) << "the worker waited for its poll";
  pool.Stop(5s);
}

TEST_P(NotifierTest, ManyEnqueuesShareOneNotification) {
  JobSignal signal;
  JobNotifier notifier(db(), signal);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) notifier.Notify();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(signal.Drain());
  if (dialect() == store::Dialect::kSqlite) {
    EXPECT_EQ(notifier.sent(), 0u);  // one process: the local signal is all it takes
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (notifier.sent() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GE(notifier.sent(), 1u);
  EXPECT_LT(notifier.sent(), 200u) << "2,000 enqueues should share a handful of NOTIFYs";
}

CHORUS_INSTANTIATE_FOR_BACKENDS(NotifierTest);

}  // namespace
}  // namespace chorus::jobs
