// Runs jobs: a coordinator thread talks to the database in batches, worker threads run handlers.
//
// The coordinator loops: finish what workers produced (one transaction for the whole batch, with
// each job's OnFinished hook and, for jobs with a callback URL, the enqueue of their webhook),
// heartbeat the leases of running jobs, reap expired leases, purge old payloads, and claim new
// jobs up to the free capacity (one transaction, with OnStarted hooks). When there is nothing to
// do it sleeps until a JobSignal, a PostgreSQL NOTIFY or the poll interval. Workers never touch
// the database themselves.
//
// Delivery is at least once: a process that dies mid-job leaves its lease to expire, and another
// worker runs the job again with attempts + 1.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "jobs/handler.h"
#include "jobs/signal.h"
#include "store/database.h"

namespace chorus::jobs {

struct WorkerSettings {
  int workers = 2;
  int prefetch = 4;  // claimed jobs waiting per worker, so claims and finishes batch
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{300000};
  std::chrono::milliseconds retention{7LL * 86400000};
  int webhook_max_attempts = 8;
  std::string owner;  // lease owner name; default "host:pid"
};

class WorkerPool {
 public:
  WorkerPool(store::Database& db, const HandlerRegistry& handlers, JobSignal& signal, WorkerSettings settings);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start();
  // Stops claiming, hands back claimed jobs that have not started, and waits up to `grace` for
  // running ones. Jobs still running after that are abandoned to their leases.
  void Stop(std::chrono::milliseconds grace);

  // Appends the pool's metrics (jobs finished by outcome, retries, purges, queue depth).
  void RenderMetrics(std::string& out);

 private:
  struct Running;
  struct Finished {
    std::shared_ptr<Running> job;
    Result<std::string> result;
  };

  // worker_pool.cpp: the threads and the periodic work.
  void CoordinatorLoop();
  void WorkerLoop();
  void Heartbeat();
  void Reap();
  void Purge();
  void Wait(std::chrono::milliseconds timeout);
  store::Lease NewLease(std::string token) const;
  std::chrono::milliseconds RetryDelay(int64_t attempts) const;

  // worker_pool_batch.cpp: claiming and finishing.
  struct Tally;
  int FreeCapacity();
  // Records `batch` and claims up to the free capacity, in one transaction.
  void FinishAndClaim(std::vector<Finished> batch);
  void ClaimMore();
  Result<std::vector<store::Job>> ClaimIn(store::Connection& c, int capacity, const store::Lease& lease);
  void Accept(std::vector<store::Job> claimed, const std::string& token);
  void ReleaseQueued();
  void FinishBatch(std::vector<Finished> batch);
  Status FinishInOneTransaction(std::span<Finished> some);
  Status FinishIn(store::Connection& c, std::span<Finished> some, const std::string& now, Tally& tally);
  // Completes every successful job of the batch in one statement; returns the ids still held.
  Result<std::set<std::string>> CompleteSucceeded(store::Connection& c, std::span<Finished> some,
                                                  const std::string& now);
  Status FinishOne(store::Connection& c, Finished& f, const std::string& now, const std::set<std::string>& completed,
                   Tally& tally);
  void Record(const Tally& tally);
  void Forget(std::span<const Finished> batch);

  store::Database& db_;
  const HandlerRegistry& handlers_;
  JobSignal& signal_;
  const WorkerSettings settings_;
  const std::vector<std::string> kinds_;
  JobSignal finished_signal_;  // workers wake the coordinator
  std::unique_ptr<store::Listener> listener_;  // only the coordinator touches it

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::shared_ptr<Running>> queued_;        // guarded by mu_: claimed, not started
  std::map<std::string, std::shared_ptr<Running>> held_;  // guarded by mu_: claimed, by id
  std::vector<Finished> finished_;                    // guarded by mu_
  int busy_ = 0;                                      // guarded by mu_: jobs in workers
  bool stopping_ = false;                             // guarded by mu_
  bool stop_claiming_ = false;                        // guarded by mu_

  std::chrono::steady_clock::time_point next_heartbeat_, next_reap_, next_purge_;  // coordinator only
  std::thread coordinator_;
  std::vector<std::thread> workers_;

  metrics::Counter completed_, failed_, retried_, cancelled_, lost_, purged_, claimed_;
};

}  // namespace chorus::jobs
