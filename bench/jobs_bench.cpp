// Job engine benchmark (issue 5), trivial jobs, on one database per run:
//   throughput: after an untimed warm-up, enqueuer threads enqueue one job per transaction (as API requests do) while
//               worker pools run them; jobs/s from the first enqueue to the last completion;
//   latency:    jobs enqueued one at a time at a modest pace; enqueue commit -> handler start.
// Enqueuers wake the pools through jobs::JobNotifier, as the API does.
// On SQLite one process runs everything and wakes its pool in-process; on PostgreSQL each pool
// has its own connections and is woken by LISTEN/NOTIFY only, as separate `chorus worker`
// processes would be.
//
//   jobs_bench --database sqlite:/tmp/x.db|postgres://... [--jobs 20000] [--pools 1] [--workers 2]
//              [--enqueuers 2] [--synchronous full|normal]
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "jobs/notifier.h"
#include "jobs/worker_pool.h"
#include "store/jobs.h"
#include "store/migrate.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"
#include "store/transaction.h"

namespace chorus {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::string database;
  int jobs = 20000;
  int pools = 1;
  int workers = 2;
  int enqueuers = 2;
  bool synchronous_full = true;
};

[[noreturn]] void Die(const std::string& message) {
  fmt::print(stderr, "jobs_bench: {}\n", message);
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Die(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

int64_t NowNs() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

// Counts completions; with a payload {"t": <enqueue time in ns>} it records the start latency.
class CountingHandler final : public jobs::JobHandler {
 public:
  Result<std::string> Run(jobs::JobContext& c) override {
    const int64_t started = NowNs();
    const std::string& payload = c.job().payload.value_or("");
    if (StartsWith(payload, R"({"t":)")) {
      const int64_t enqueued = std::stoll(payload.substr(5));
      std::lock_guard lock(mu_);
      latencies_us_.push_back(static_cast<double>(started - enqueued) / 1000.0);
    }
    ran_.fetch_add(1);
    return std::string();
  }
  int64_t ran() const { return ran_.load(); }
  std::vector<double> TakeLatencies() {
    std::lock_guard lock(mu_);
    return std::move(latencies_us_);
  }

 private:
  std::atomic<int64_t> ran_{0};
  std::mutex mu_;
  std::vector<double> latencies_us_;
};

std::unique_ptr<store::Database> Open(const Options& o, int pool_size) {
  if (StartsWith(o.database, "sqlite:")) {
    return Must(store::sqlite::Open({.path = o.database.substr(7), .readers = pool_size,
                                     .synchronous_full = o.synchronous_full}),
                "open");
  }
  return Must(store::postgres::Open({.url = o.database, .pool_size = pool_size}), "open");
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Worker pools, each on its own Database (on PostgreSQL: its own connections and LISTEN).
struct Pools {
  Pools(const Options& o, store::Database& shared, jobs::JobSignal& shared_signal) {
    registry.Add("bench.noop", handler);
    const bool sqlite = StartsWith(o.database, "sqlite:");
    for (int i = 0; i < o.pools; ++i) {
      store::Database* db = &shared;
      jobs::JobSignal* signal = &shared_signal;
      if (!sqlite) {
        dbs.push_back(Open(o, 2));
        db = dbs.back().get();
        signals.push_back(std::make_unique<jobs::JobSignal>());
        signal = signals.back().get();
      }
      pools.push_back(std::make_unique<jobs::WorkerPool>(
          *db, registry, *signal,
          jobs::WorkerSettings{.workers = o.workers, .prefetch = 16, .owner = fmt::format("bench-{}", i)}));
    }
    for (auto& p : pools) p->Start();
  }
  ~Pools() {
    for (auto& p : pools) p->Stop(5s);
  }
  CountingHandler handler;
  jobs::HandlerRegistry registry;
  std::vector<std::unique_ptr<store::Database>> dbs;
  std::vector<std::unique_ptr<jobs::JobSignal>> signals;
  std::vector<std::unique_ptr<jobs::WorkerPool>> pools;
};

void WaitUntilRan(const CountingHandler& h, int64_t n) {
  const auto deadline = Clock::now() + 300s;
  while (h.ran() < n) {
    if (Clock::now() > deadline) Die(fmt::format("only {} of {} jobs ran", h.ran(), n));
    std::this_thread::sleep_for(1ms);
  }
}

void Throughput(const Options& o, store::Database& db, jobs::JobSignal& signal, bool report = true) {
  Pools pools(o, db, signal);
  jobs::JobNotifier notifier(db, signal);
  const bool sqlite = StartsWith(o.database, "sqlite:");
  const auto start = Clock::now();
  std::vector<std::thread> enqueuers;
  std::atomic<int64_t> enqueue_ns{0};
  for (int t = 0; t < o.enqueuers; ++t) {
    enqueuers.emplace_back([&, t] {
      const int n = o.jobs / o.enqueuers + (t < o.jobs % o.enqueuers ? 1 : 0);
      for (int i = 0; i < n; ++i) {
        const int64_t before = NowNs();
        Must(store::Transact(db, store::Access::kWrite,
                             [](store::Connection& c) { return store::jobs::Enqueue(c, {.kind = "bench.noop"}); }),
             "enqueue");
        enqueue_ns.fetch_add(NowNs() - before);
        notifier.Notify();
      }
    });
  }
  for (auto& t : enqueuers) t.join();
  const double enqueue_s = std::chrono::duration<double>(Clock::now() - start).count();
  WaitUntilRan(pools.handler, o.jobs);
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (!report) return;
  fmt::print("  throughput: {} jobs, {} enqueuer threads, {} pool(s) x {} workers: {:.0f} jobs/s enqueue to "
             "completion ({:.2f} s); enqueue alone {:.0f}/s, {:.0f} us per enqueue transaction\n",
             o.jobs, o.enqueuers, o.pools, o.workers, o.jobs / total_s, total_s, o.jobs / enqueue_s,
             static_cast<double>(enqueue_ns.load()) / 1000.0 / o.jobs);
  if (!sqlite) fmt::print("  NOTIFYs sent: {} for {} jobs\n", notifier.sent(), o.jobs);
}

void Latency(const Options& o, store::Database& db, jobs::JobSignal& signal) {
  Pools pools(o, db, signal);
  jobs::JobNotifier notifier(db, signal);
  std::this_thread::sleep_for(300ms);  // pools idle, listening
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    Must(store::Transact(db, store::Access::kWrite,
                         [](store::Connection& c) {
                           return store::jobs::Enqueue(
                               c, {.kind = "bench.noop", .payload = fmt::format(R"({{"t":{}}})", NowNs())});
                         }),
         "enqueue");
    notifier.Notify();
    std::this_thread::sleep_for(5ms);  // ~200 jobs/s: each job finds the pools idle
  }
  WaitUntilRan(pools.handler, n);
  const auto lat = pools.handler.TakeLatencies();
  fmt::print("  enqueue-to-start latency ({} jobs at ~200/s): p50 {:.2f} ms, p99 {:.2f} ms\n", lat.size(),
             Percentile(lat, 0.50) / 1000.0, Percentile(lat, 0.99) / 1000.0);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--database") o.database = v;
    else if (k == "--jobs") o.jobs = std::stoi(v);
    else if (k == "--pools") o.pools = std::stoi(v);
    else if (k == "--workers") o.workers = std::stoi(v);
    else if (k == "--enqueuers") o.enqueuers = std::stoi(v);
    else if (k == "--synchronous") o.synchronous_full = v == "full";
    else Die("unknown option " + k);
  }
  if (o.database.empty()) Die("--database is required");
  return o;
}

}  // namespace
}  // namespace chorus

int main(int argc, char** argv) {
  using namespace chorus;
  log::Init({.level = log::Level::kWarn, .async = false});
  const Options o = Parse(argc, argv);
  auto db = Open(o, std::max(4, o.enqueuers));
  const auto dialect = db->dialect();
  Must(store::ApplyMigrations(*db, store::EmbeddedMigrations(dialect)), "migrate");
  fmt::print("{}{}:\n", store::DialectName(dialect),
             dialect == store::Dialect::kSqlite ? (o.synchronous_full ? " (synchronous=FULL)" : " (synchronous=NORMAL)")
                                                : "");
  jobs::JobSignal signal;
  // Warm up first (a fresh PostgreSQL cluster is still creating its WAL files; caches are cold),
  // untimed, with a quarter of the jobs.
  Options warmup = o;
  warmup.jobs = std::max(1000, o.jobs / 4);
  Throughput(warmup, *db, signal, /*report=*/false);
  Throughput(o, *db, signal);
  Latency(o, *db, signal);
  return 0;
}
