// The coordinator's database work: claiming and finishing jobs in batches. Each round of work is
// one transaction (FinishAndClaim): what finished is recorded and the capacity it freed is claimed
// again in the same commit, which halves the commits per job of short jobs. When that transaction
// fails, the steps run apart so one bad job cannot hold back the others.
#include <fmt/format.h>

#include <algorithm>

#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "jobs/worker_pool.h"
#include "jobs/worker_pool_internal.h"
#include "store/transaction.h"

namespace chorus::jobs {

using store::Connection;

int WorkerPool::FreeCapacity() {
  const int most = settings_.workers * (1 + settings_.prefetch);
  int free = 0;
  {
    std::lock_guard lock(mu_);
    free = most - static_cast<int>(queued_.size()) - busy_;
  }
  // Claim again only once half the capacity is free: under load every notification wakes every
  // pool, and topping up one or two jobs at a time costs a claim statement each.
  return free >= std::max(1, most / 2) ? free : 0;
}

Result<std::vector<store::Job>> WorkerPool::ClaimIn(Connection& c, int capacity, const store::Lease& lease) {
  CHORUS_ASSIGN_OR_RETURN(auto jobs, store::jobs::Claim(c, kinds_, capacity, lease));
  for (const auto& job : jobs) {
    if (JobHandler* h = handlers_.Find(job.kind)) CHORUS_TRY(h->OnStarted(c, job));
  }
  return jobs;
}

void WorkerPool::Accept(std::vector<store::Job> claimed, const std::string& token) {
  if (claimed.empty()) return;
  claimed_.Add(claimed.size());
  // RETURNING has no order: start them in the order they were claimed in.
  std::sort(claimed.begin(), claimed.end(), [](const store::Job& a, const store::Job& b) {
    return std::tie(b.priority, a.run_at, a.id) < std::tie(a.priority, b.run_at, b.id);
  });
  {
    std::lock_guard lock(mu_);
    for (auto& job : claimed) {
      auto running = std::make_shared<Running>(job, handlers_.Find(job.kind), token);
      held_[job.id] = running;
      queued_.push_back(std::move(running));
    }
  }
  work_ready_.notify_all();
}

void WorkerPool::Forget(std::span<const Finished> batch) {
  std::lock_guard lock(mu_);
  for (const auto& f : batch) {
    if (f.job) held_.erase(f.job->context.job().id);  // moved-from entries are being retried
  }
}

void WorkerPool::FinishAndClaim(std::vector<Finished> batch) {
  const int capacity = FreeCapacity();
  if (batch.empty() && capacity <= 0) return;
  const store::Lease lease = NewLease(HexEncode(SecureRandomString(16)));
  const std::string now = NowTimestamp();
  Tally tally;
  auto claimed = store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Result<std::vector<store::Job>> {
    CHORUS_TRY(FinishIn(c, batch, now, tally));
    if (capacity <= 0) return std::vector<store::Job>{};
    return ClaimIn(c, capacity, lease);
  });
  if (!claimed) {
    if (!batch.empty()) FinishBatch(std::move(batch));
    ClaimMore();
    return;
  }
  Record(tally);
  Forget(batch);
  Accept(std::move(*claimed), lease.token);
}

void WorkerPool::ClaimMore() {
  const int capacity = FreeCapacity();
  if (capacity <= 0) return;
  const store::Lease lease = NewLease(HexEncode(SecureRandomString(16)));
  auto claimed = store::Transact(db_, store::Access::kWrite,
                                 [&](Connection& c) { return ClaimIn(c, capacity, lease); });
  if (!claimed) {
    log::Warn("claiming jobs failed", {{"error", claimed.error().message}});
    return;
  }
  Accept(std::move(*claimed), lease.token);
}

void WorkerPool::ReleaseQueued() {
  std::vector<std::shared_ptr<Running>> unstarted;
  {
    std::lock_guard lock(mu_);
    unstarted.assign(queued_.begin(), queued_.end());
    queued_.clear();
    for (const auto& r : unstarted) held_.erase(r->context.job().id);
  }
  if (unstarted.empty()) return;
  std::map<std::string, std::vector<std::string>> by_token;
  for (const auto& r : unstarted) by_token[r->token].push_back(r->context.job().id);
  auto released = store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Status {
    for (const auto& [token, ids] : by_token) {
      const store::Lease lease = NewLease(token);
      CHORUS_TRY(store::jobs::Release(c, ids, lease));
    }
    return Ok();
  });
  if (!released) log::Warn("releasing unstarted jobs failed", {{"error", released.error().message}});
}

Result<std::set<std::string>> WorkerPool::CompleteSucceeded(Connection& c, std::span<Finished> some,
                                                             const std::string& now) {
  std::vector<store::Completion> done;
  for (const Finished& f : some) {
    if (f.result && !f.job->context.lease_lost()) {
      done.push_back({f.job->context.job().id, f.job->token, *f.result});
    }
  }
  CHORUS_ASSIGN_OR_RETURN(auto ids, store::jobs::CompleteMany(c, done, now));
  return std::set<std::string>(std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
}

Status WorkerPool::FinishOne(Connection& c, Finished& f, const std::string& now,
                             const std::set<std::string>& completed, Tally& tally) {
  Running& r = *f.job;
  const store::Job& job = r.context.job();
  // Another worker holds the job now (this one stalled past its lease): the result is dropped.
  auto discard = [&] {
    ++tally.lost;
    log::Warn("job result discarded: its lease was lost", {{"job", job.id}, {"kind", job.kind}});
    return Ok();
  };
  if (r.context.lease_lost()) return discard();
  JobOutcome outcome;
  store::Job final_job = job;
  if (f.result) {
    if (!completed.contains(job.id)) return discard();  // its lease had passed to another worker
    outcome = {"completed", *f.result, ""};
    final_job.status = "completed";
    ++tally.completed;
  } else if (r.context.cancel_requested()) {
    auto done = store::jobs::AcknowledgeCancel(c, job.id, r.token, now);
    if (!done) return done.error().code == ErrorCode::kConflict ? discard() : done;
    outcome = {"cancelled", "", "cancelled"};
    final_job.status = "cancelled";
    ++tally.cancelled;
  } else {
    const Error& e = f.result.error();
    std::optional<std::string> retry_at;
    if (IsRetryable(e.code)) retry_at = detail::Later(RetryDelay(job.attempts));
    auto failed = store::jobs::Fail(c, job.id, r.token, e.message, retry_at, now);
    if (!failed) return failed.error().code == ErrorCode::kConflict ? discard() : Status(failed.error());
    if (failed->status == "pending") {
      ++tally.retried;
      return Ok();  // not finished: it runs again later
    }
    outcome = {"failed", "", e.message};
    final_job = *failed;
    ++tally.failed;
  }
  if (r.handler) CHORUS_TRY(r.handler->OnFinished(c, final_job, outcome));
  if (job.callback_url && job.user_id) {
    CHORUS_TRY(store::jobs::Enqueue(c, {.kind = "webhook.deliver",
                                        .user_id = job.user_id,
                                        .subject_type = "job",
                                        .subject_id = job.id,
                                        .payload = detail::WebhookPayload(job, outcome.status),
                                        .max_attempts = settings_.webhook_max_attempts}));
    tally.webhooks = true;
  }
  return Ok();
}

Status WorkerPool::FinishIn(Connection& c, std::span<Finished> some, const std::string& now, Tally& tally) {
  tally = Tally{};  // a retried transaction starts counting again
  if (some.empty()) return Ok();
  CHORUS_ASSIGN_OR_RETURN(const auto completed, CompleteSucceeded(c, some, now));
  for (auto& f : some) CHORUS_TRY(FinishOne(c, f, now, completed, tally));
  return Ok();
}

void WorkerPool::Record(const Tally& tally) {
  completed_.Add(tally.completed);
  failed_.Add(tally.failed);
  cancelled_.Add(tally.cancelled);
  retried_.Add(tally.retried);
  lost_.Add(tally.lost);
  if (tally.webhooks) signal_.Notify();
}

Status WorkerPool::FinishInOneTransaction(std::span<Finished> some) {
  const std::string now = NowTimestamp();
  Tally tally;
  CHORUS_TRY(store::Transact(db_, store::Access::kWrite,
                             [&](Connection& c) -> Status { return FinishIn(c, some, now, tally); }));
  Record(tally);
  return Ok();
}

void WorkerPool::FinishBatch(std::vector<Finished> batch) {
  std::vector<Finished> retry;
  if (auto done = FinishInOneTransaction(batch); !done && done.error().code == ErrorCode::kUnavailable) {
    log::Warn("finishing jobs failed; will retry", {{"error", done.error().message}, {"jobs", batch.size()}});
    for (auto& f : batch) retry.push_back(std::move(f));
  } else if (!done) {
    // One job's hook may be at fault: finish the jobs one by one so a bad one does not hold back
    // the others, and keep what still fails to try again later.
    log::Warn("finishing a batch of jobs failed; finishing them one by one",
              {{"error", done.error().message}, {"jobs", batch.size()}});
    for (auto& f : batch) {
      if (auto one = FinishInOneTransaction(std::span(&f, 1)); !one) {
        log::Warn("finishing a job failed; will retry",
                  {{"job", f.job->context.job().id}, {"error", one.error().message}});
        retry.push_back(std::move(f));
      }
    }
  }
  Forget(batch);
  {
    std::lock_guard lock(mu_);
    for (auto& f : retry) finished_.push_back(std::move(f));
  }
  if (!retry.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace chorus::jobs
