// Jobs survive dying, frozen and killed processes: real worker processes (job_child) against real
// databases, SIGKILLed, SIGSTOPped and restarted; on PostgreSQL also the database server crashing.
#include <signal.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "tests/support/migrated_db.h"
#include "tests/support/process.h"

namespace chorus {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;

constexpr int kLeaseMs = 600;

// Complete lines of a child's output that start with `prefix`, without it.
std::vector<std::string> LinesStartingWith(const std::string& output, const std::string& prefix) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t end; (end = output.find('\n', begin)) != std::string::npos; begin = end + 1) {
    const std::string line = output.substr(begin, end - begin);
    if (StartsWith(line, prefix)) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

class JobReliabilityTest : public testing::MigratedDatabaseTest {
 protected:
  std::unique_ptr<ChildProcess> StartChild(const std::string& mode, const std::string& url, int lease_ms = kLeaseMs) {
    const auto log = dir_.path() / ("child-" + std::to_string(children_++) + ".log");
    return ChildProcess::Start({CHORUS_JOB_CHILD, mode, url, std::to_string(lease_ms)}, {}, log);
  }
  std::unique_ptr<ChildProcess> StartWorker() {
    auto child = StartChild("work", test_->url());
    EXPECT_TRUE(child->WaitForOutput("ready", 10s)) << child->Output();
    return child;
  }

  std::string EnqueueSleep(int ms, bool ignore_stop = false) {
    auto job = store::jobs::Enqueue(
        *Write(), {.kind = "test.sleep",
                   .payload = fmt::format(R"({{"ms":{},"ignore_stop":{}}})", ms, ignore_stop ? "true" : "false"),
                   .max_attempts = 5});
    EXPECT_TRUE(job) << job.error().message;
    return job->id;
  }

  store::Job Job(const std::string& id) { return *store::jobs::GetAny(*Write(), id); }

  store::Job WaitFor(const std::string& id, const std::string& status, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    store::Job job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = Job(id);
      if (job.status == status) return job;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "job " << id << " is still " << job.status << ", not " << status;
    return job;
  }

  static int64_t ResultPid(const store::Job& job) {
    return job.result ? boost::json::parse(*job.result).at("pid").to_number<int64_t>() : -1;
  }

  // Whether some session other than this test's is inside a transaction: a process frozen there
  // would hold its locks (SQLite's writer lock, PostgreSQL row locks) for as long as it is frozen.
  bool AnotherWriterIsMidTransaction() {
    auto c = Write();
    if (dialect() == store::Dialect::kSqlite) {
      auto locked = c->ExecuteScript("PRAGMA busy_timeout = 50; BEGIN IMMEDIATE; ROLLBACK;");
      EXPECT_TRUE(c->ExecuteScript("PRAGMA busy_timeout = 5000;"));
      return !locked;
    }
    auto rows = c->Exec(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' AND state <> 'idle'");
    return !rows || (*rows)[0].Int(0) > 0;
  }

  // SIGSTOPs a worker at a moment it holds no database locks, as a VM pause between two
  // statements would; freezing inside a transaction is a different failure (see docs/jobs.md).
  void FreezeBetweenTransactions(ChildProcess& child) {
    for (int tries = 0; tries < 100; ++tries) {
      child.Signal(SIGSTOP);
      if (!AnotherWriterIsMidTransaction()) return;
      child.Signal(SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(7 * (tries + 1) % 50));
    }
    FAIL() << "the worker never paused outside a transaction";
  }

  testing::TempDir dir_;
  int children_ = 0;
};

TEST_P(JobReliabilityTest, AKilledWorkersJobCompletesAfterItsLeaseExpires) {
  const std::string id = EnqueueSleep(1500);
  auto first = StartWorker();
  ASSERT_TRUE(first->WaitForOutput("start " + id, 10s)) << first->Output();
  first->Signal(SIGKILL);
  ASSERT_TRUE(first->Wait(5s));
  EXPECT_EQ(Job(id).status, "processing");  // its lease is still held by the dead process

  auto second = StartWorker();
  const store::Job job = WaitFor(id, "completed");
  EXPECT_EQ(job.attempts, 2);
  EXPECT_EQ(ResultPid(job), second->pid());
}

TEST_P(JobReliabilityTest, AFrozenWorkersLateResultIsRefusedAndTheResultWrittenOnce) {
  const std::string id = EnqueueSleep(1200, /*ignore_stop=*/true);
  auto first = StartWorker();
  ASSERT_TRUE(first->WaitForOutput("start " + id, 10s)) << first->Output();
  FreezeBetweenTransactions(*first);

  auto second = StartWorker();
  const store::Job done = WaitFor(id, "completed");
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(ResultPid(done), second->pid());

  first->Signal(SIGCONT);
  // The first worker's handler runs to its end, and its result is thrown away.
  EXPECT_TRUE(first->WaitForOutput("finish " + id, 10s)) << first->Output();
  EXPECT_TRUE(first->WaitForOutput("job result discarded", 10s)) << first->Output();
  const store::Job after = Job(id);
  EXPECT_EQ(after.status, "completed");
  EXPECT_EQ(after.result, done.result);
  EXPECT_EQ(after.finished_at, done.finished_at);
  EXPECT_EQ(after.updated_at, done.updated_at);
  EXPECT_EQ(after.attempts, 2);
}

TEST_P(JobReliabilityTest, AJobThatHeartbeatsForThreeLeasePeriodsIsNeverTakenAway) {
  auto a = StartWorker();
  auto b = StartWorker();
  const std::string id = EnqueueSleep(3 * kLeaseMs + 400);
  const store::Job job = WaitFor(id, "completed");
  EXPECT_EQ(job.attempts, 1);
  const auto starts = LinesStartingWith(a->Output() + b->Output(), "start " + id);
  EXPECT_EQ(starts.size(), 1u) << a->Output() << b->Output();
}

// Counts jobs by status.
std::map<std::string, int64_t> Statuses(store::Database& db) {
  std::map<std::string, int64_t> out;
  auto c = db.Acquire(store::Access::kWrite);
  auto rows = (*c)->Exec("SELECT status, COUNT(*) FROM jobs GROUP BY status");
  EXPECT_TRUE(rows) << rows.error().message;
  for (const auto& row : *rows) out[row.Text(0)] = row.Int(1);
  return out;
}

// Starts the enqueuer, SIGKILLs it at a random moment, again and again; `between` runs after each
// kill and may add ids (the PostgreSQL variant crashes the server there). Returns every id the
// children printed.
template <typename Between>
std::set<std::string> KillLoop(const std::function<std::unique_ptr<ChildProcess>()>& start, int cycles,
                               Between between) {
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, 60);
  std::set<std::string> printed;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    auto child = start();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    child->Signal(SIGKILL);
    EXPECT_TRUE(child->Wait(5s));
    for (auto& id : LinesStartingWith(child->Output(), "enqueued ")) printed.insert(std::move(id));
    between(cycle, printed);
  }
  return printed;
}

// Afterwards: every printed id is a job, no job is running without a live lease, and a fresh worker
// finishes everything that was left.
void ExpectNothingLostOrStuck(store::Database& db, const std::set<std::string>& printed,
                              const std::function<std::unique_ptr<ChildProcess>()>& start_worker) {
  EXPECT_GT(printed.size(), 200u) << "the children hardly enqueued anything";
  {
    auto c = db.Acquire(store::Access::kWrite);
    auto rows = (*c)->Exec("SELECT id FROM jobs");
    ASSERT_TRUE(rows) << rows.error().message;
    std::set<std::string> stored;
    for (const auto& row : *rows) stored.insert(row.Text(0));
    for (const auto& id : printed) EXPECT_TRUE(stored.count(id)) << "acknowledged job " << id << " was lost";
    auto unleased = (*c)->Exec(
        "SELECT COUNT(*) FROM jobs WHERE status = 'processing' AND (lease_token IS NULL OR lease_expires_at IS NULL)");
    ASSERT_TRUE(unleased);
    EXPECT_EQ((*unleased)[0].Int(0), 0) << "a running job has no lease";
  }
  auto worker = start_worker();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::map<std::string, int64_t> statuses;
  while (std::chrono::steady_clock::now() < deadline) {
    statuses = Statuses(db);
    if (statuses.count("pending") == 0 && statuses.count("processing") == 0) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(statuses.count("pending") + statuses.count("processing") + statuses.count("failed"), 0u)
      << "pending " << statuses["pending"] << ", processing " << statuses["processing"] << ", failed "
      << statuses["failed"];
  worker->Signal(SIGTERM);
  EXPECT_EQ(worker->Wait(10s), 0) << worker->Output();
}

TEST_P(JobReliabilityTest, NoAcknowledgedJobIsLostWhenTheEnqueuerIsKilled200Times) {
  const std::string url = test_->url();
  auto start = [&] { return StartChild("enqueue", url, 300); };
  const auto printed = KillLoop(start, 200, [](int, std::set<std::string>&) {});
  ExpectNothingLostOrStuck(db(), printed, [&] { return StartWorker(); });
  if (dialect() == store::Dialect::kSqlite) {
    auto rows = Write()->Exec("PRAGMA integrity_check");
    ASSERT_TRUE(rows);
    EXPECT_EQ((*rows)[0].Text(0), "ok");
  }
}

CHORUS_INSTANTIATE_FOR_BACKENDS(JobReliabilityTest);

// A PostgreSQL cluster of this test's own, durable (fsync and synchronous commit on), that it
// kills and restarts. The shared test cluster stays untouched.
class OwnPostgresCluster {
 public:
  OwnPostgresCluster() : url_file_(dir_.path() / "url") {
    auto [status, output] = Script("start");
    EXPECT_EQ(status, 0) << output;
    std::ifstream in(url_file_);
    std::getline(in, url_);
  }
  ~OwnPostgresCluster() { Script("stop"); }
  const std::string& url() const { return url_; }
  void Crash() {
    auto [status, output] = Script("crash");
    EXPECT_EQ(status, 0) << output;
  }
  void Restart() {
    auto [status, output] = Script("restart");
    EXPECT_EQ(status, 0) << output;
  }

 private:
  std::pair<int, std::string> Script(const std::string& action) {
    return testing::RunCommand({CHORUS_PG_CLUSTER, action, url_file_.string()}, {"PG_CLUSTER_DURABLE=1"}, 90s);
  }
  testing::TempDir dir_;
  std::filesystem::path url_file_;
  std::string url_;
};

TEST(JobReliabilityPostgresCrashTest, NoAcknowledgedJobIsLostWhenTheServerCrashesToo) {
  OwnPostgresCluster cluster;
  ASSERT_FALSE(cluster.url().empty());
  {
    auto db = testing::OpenDatabase(cluster.url(), 1);
    auto applied = store::ApplyMigrations(*db, store::EmbeddedMigrations(store::Dialect::kPostgres));
    ASSERT_TRUE(applied) << applied.error().message;
  }
  testing::TempDir dir;
  int children = 0;
  auto start = [&](const std::string& mode) {
    return ChildProcess::Start({CHORUS_JOB_CHILD, mode, cluster.url(), "300"}, {},
                               dir.path() / ("child-" + std::to_string(children++) + ".log"));
  };
  // The server dies while an enqueuer writes, every 20th cycle: a crash, not a clean shutdown.
  const auto printed = KillLoop([&] { return start("enqueue"); }, 200, [&](int cycle, std::set<std::string>& ids) {
    if (cycle % 20 != 10) return;
    auto child = start("enqueue");
    std::this_thread::sleep_for(40ms);
    cluster.Crash();
    if (!child->Wait(5s)) {  // it exits when its database goes away, or is killed
      child->Signal(SIGKILL);
      EXPECT_TRUE(child->Wait(5s));
    }
    cluster.Restart();
    for (auto& id : LinesStartingWith(child->Output(), "enqueued ")) ids.insert(std::move(id));
  });
  auto db = testing::OpenDatabase(cluster.url(), 2);
  ExpectNothingLostOrStuck(*db, printed, [&] {
    auto worker = start("work");
    EXPECT_TRUE(worker->WaitForOutput("ready", 10s)) << worker->Output();
    return worker;
  });
}

}  // namespace
}  // namespace chorus
