#include "jobs/notifier.h"

#include "base/log.h"
#include "store/jobs.h"

namespace chorus::jobs {

JobNotifier::JobNotifier(store::Database& db, JobSignal& local) : db_(db), local_(local) {
  if (db_.dialect() == store::Dialect::kPostgres) thread_ = std::thread([this] { Loop(); });
}

JobNotifier::~JobNotifier() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void JobNotifier::Notify() {
  local_.Notify();
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    if (pending_) return;  // the next NOTIFY covers this job too
    pending_ = true;
  }
  wake_.notify_one();
}

void JobNotifier::Loop() {
  auto last_sent = std::chrono::steady_clock::time_point();
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      // Under load, pace the notifications: each wakes every listening pool for a claim, and a
      // claim that finds a few jobs costs as much as one that finds many. A job enqueued after a
      // quiet moment is announced at once.
      wake_.wait_until(lock, last_sent + kMinInterval, [this] { return stopping_; });
      if (stopping_) return;
      pending_ = false;  // jobs enqueued from here on need another NOTIFY
    }
    last_sent = std::chrono::steady_clock::now();
    auto conn = db_.Acquire(store::Access::kWrite);
    Status sent = conn ? store::jobs::NotifyWorkers(**conn) : Status(Unexpected(std::move(conn).error()));
    if (sent) {
      sent_.fetch_add(1);
    } else {
      // Workers still find the jobs at their next poll.
      log::Warn("notifying workers failed", {{"error", sent.error().message}});
    }
  }
}

}  // namespace chorus::jobs
