// The process the job reliability tests start, signal and kill. Test-only: it registers test job
// kinds that no Chorus binary knows.
//
//   job_child work DB_URL LEASE_MS       runs a worker pool (test.sleep, test.noop) until SIGTERM
//   job_child enqueue DB_URL             enqueues test.noop jobs one per transaction, forever, and
//                                        runs a worker pool on them too
//
// It writes one line per event to standard output, flushed at once:
//   ready                     the pool runs
//   start <job id> <pid>      a test.sleep handler began
//   finish <job id> <pid>     a test.sleep handler returned its result
//   enqueued <job id>         the transaction that enqueued the job has committed
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "base/log.h"
#include "jobs/worker_pool.h"
#include "store/jobs.h"
#include "store/transaction.h"
#include "tests/support/test_db.h"

namespace {

using namespace std::chrono_literals;
using chorus::Result;

void Emit(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// Sleeps for payload.ms. With payload.ignore_stop it does not look at stop_requested, like a
// handler stuck in a long library call, so a stalled worker really does reach its completion.
class SleepHandler final : public chorus::jobs::JobHandler {
 public:
  Result<std::string> Run(chorus::jobs::JobContext& c) override {
    const auto payload = boost::json::parse(c.job().payload.value_or("{}")).as_object();
    const auto ms = payload.contains("ms") ? payload.at("ms").to_number<int64_t>() : 0;
    const bool ignore_stop = payload.contains("ignore_stop") && payload.at("ignore_stop").as_bool();
    Emit("start " + c.job().id + " " + std::to_string(::getpid()));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ignore_stop && c.stop_requested()) return chorus::Unexpected(chorus::ErrorCode::kCancelled, "stopped");
      std::this_thread::sleep_for(5ms);
    }
    Emit("finish " + c.job().id + " " + std::to_string(::getpid()));
    return R"({"pid":)" + std::to_string(::getpid()) + "}";
  }
};

class NoopHandler final : public chorus::jobs::JobHandler {
 public:
  Result<std::string> Run(chorus::jobs::JobContext&) override { return std::string("{}"); }
};

int WaitForTerm() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}

// Blocks SIGTERM in every thread, so WaitForTerm receives it.
void BlockTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int Work(const std::string& url, std::chrono::milliseconds lease, bool enqueue) {
  auto db = chorus::testing::OpenDatabase(url, 4);
  SleepHandler sleep;
  NoopHandler noop;
  chorus::jobs::HandlerRegistry registry;
  registry.Add("test.sleep", sleep);
  registry.Add("test.noop", noop);
  chorus::jobs::JobSignal signal;
  chorus::jobs::WorkerPool pool(*db, registry, signal,
                                {.workers = 2, .lease = lease, .poll_interval = 50ms, .backoff_base = 10ms,
                                 .backoff_max = 100ms});
  pool.Start();
  Emit("ready");
  if (!enqueue) {
    WaitForTerm();
    pool.Stop(5s);
    return 0;
  }
  for (;;) {
    auto job = chorus::store::Transact(*db, chorus::store::Access::kWrite, [](chorus::store::Connection& c) {
      return chorus::store::jobs::Enqueue(c, {.kind = "test.noop", .max_attempts = 20});
    });
    if (!job) {
      // The database is unreachable (the PostgreSQL variant kills it): the parent restarts us.
      std::fprintf(stderr, "enqueue failed: %s\n", job.error().message.c_str());
      return 3;
    }
    signal.Notify();
    Emit("enqueued " + job->id);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc < 3 || (mode != "work" && mode != "enqueue")) {
    std::fprintf(stderr, "usage: job_child work DB_URL LEASE_MS | job_child enqueue DB_URL LEASE_MS\n");
    return 2;
  }
  BlockTermination();
  chorus::log::Init({.level = chorus::log::Level::kInfo, .async = false});
  const auto lease = std::chrono::milliseconds(argc > 3 ? std::stoll(argv[3]) : 1000);
  return Work(argv[2], lease, mode == "enqueue");
}
