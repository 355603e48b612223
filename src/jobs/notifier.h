// Wakes workers after jobs were enqueued: this process's pools at once (JobSignal), and on
// PostgreSQL the workers of every other process through NOTIFY.
//
// The NOTIFY is sent after the enqueueing transaction commits, by one background thread, and
// folds together every Notify() that arrives within kMinInterval of the previous NOTIFY: at low
// load each job gets its own wake-up one round trip after its commit; under load workers are woken
// at most once per interval, so their claims find batches instead of single jobs. A NOTIFY lost to
// a crash only delays the job to the workers' next poll. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "jobs/signal.h"
#include "store/database.h"

namespace chorus::jobs {

class JobNotifier {
 public:
  JobNotifier(store::Database& db, JobSignal& local);
  ~JobNotifier();
  JobNotifier(const JobNotifier&) = delete;
  JobNotifier& operator=(const JobNotifier&) = delete;

  static constexpr std::chrono::milliseconds kMinInterval{2};

  // Call after a transaction that enqueued jobs has committed.
  void Notify();
  // NOTIFYs sent so far (for tests and metrics).
  uint64_t sent() const { return sent_.load(); }

 private:
  void Loop();

  store::Database& db_;
  JobSignal& local_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool pending_ = false;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;  // PostgreSQL only
};

}  // namespace chorus::jobs
