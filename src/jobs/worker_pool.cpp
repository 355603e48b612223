#include "jobs/worker_pool.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "base/ids.h"
#include "base/log.h"
#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "jobs/worker_pool_internal.h"
#include "store/transaction.h"

namespace chorus::jobs {

using Clock = std::chrono::steady_clock;
using store::Connection;

bool IsRetryable(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kUpstream:
    case ErrorCode::kAborted:
    case ErrorCode::kInternal:
    case ErrorCode::kRateLimited:
      return true;
    default:
      return false;
  }
}

namespace {

std::string DefaultOwner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, ::getpid());
}

}  // namespace

WorkerPool::WorkerPool(store::Database& db, const HandlerRegistry& handlers, JobSignal& signal,
                       WorkerSettings settings)
    : db_(db), handlers_(handlers), signal_(signal), settings_(std::move(settings)), kinds_(handlers.kinds()) {}

WorkerPool::~WorkerPool() { Stop(std::chrono::milliseconds(0)); }

store::Lease WorkerPool::NewLease(std::string token) const {
  return store::Lease{settings_.owner.empty() ? DefaultOwner() : settings_.owner, std::move(token), NowTimestamp(),
                      detail::Later(settings_.lease)};
}

std::chrono::milliseconds WorkerPool::RetryDelay(int64_t attempts) const {
  const double exp = std::min<double>(30, static_cast<double>(std::max<int64_t>(0, attempts - 1)));
  const double base = std::min(static_cast<double>(settings_.backoff_max.count()),
                               static_cast<double>(settings_.backoff_base.count()) * std::pow(2.0, exp));
  // Full jitter over the upper half: retries of many jobs spread out instead of arriving together.
  const double jitter = 0.5 + 0.5 * static_cast<double>(FastRandomBelow(1000)) / 1000.0;
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter));
}

void WorkerPool::Start() {
  if (kinds_.empty()) return;
  auto listener = db_.Listen(store::jobs::kNotifyChannel);
  if (listener) listener_ = std::move(*listener);
  const auto now = Clock::now();
  next_heartbeat_ = now + settings_.lease / 3;
  next_reap_ = now;
  next_purge_ = now + std::chrono::seconds(30);
  coordinator_ = std::thread([this] { CoordinatorLoop(); });
  for (int i = 0; i < std::max(1, settings_.workers); ++i) workers_.emplace_back([this] { WorkerLoop(); });
  log::Info("job workers started", {{"workers", settings_.workers}, {"kinds", static_cast<int64_t>(kinds_.size())},
                                    {"notify", listener_ != nullptr}});
}

void WorkerPool::Stop(std::chrono::milliseconds grace) {
  if (!coordinator_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_claiming_ = true;
  }
  work_ready_.notify_all();
  finished_signal_.Notify();
  {
    std::unique_lock lock(mu_);
    work_ready_.wait_for(lock, grace, [this] { return busy_ == 0; });
    stopping_ = true;
  }
  work_ready_.notify_all();
  finished_signal_.Notify();
  coordinator_.join();
  int busy = 0;
  {
    std::lock_guard lock(mu_);
    busy = busy_;
  }
  for (auto& w : workers_) {
    // Workers still inside a handler past the grace are abandoned: their jobs' leases expire and
    // other workers take them over. Only the process's exit follows this.
    if (busy > 0) {
      w.detach();
    } else {
      w.join();
    }
  }
  workers_.clear();
}

void WorkerPool::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Running> r;
    {
      std::unique_lock lock(mu_);
      // Once stopping begins, queued jobs are handed back by the coordinator, not started.
      work_ready_.wait(lock, [this] { return stopping_ || (!stop_claiming_ && !queued_.empty()); });
      if (stop_claiming_ || queued_.empty()) return;
      r = std::move(queued_.front());
      queued_.pop_front();
      ++busy_;
    }
    Result<std::string> result = std::string();
    if (r->context.cancel_requested()) {
      result = Unexpected(ErrorCode::kCancelled, "cancelled");
    } else {
      try {
        result = r->handler->Run(r->context);
      } catch (const std::exception& e) {
        result = Unexpected(ErrorCode::kInternal, fmt::format("handler threw: {}", e.what()));
      }
    }
    {
      std::lock_guard lock(mu_);
      finished_.push_back(Finished{std::move(r), std::move(result)});
      --busy_;
    }
    work_ready_.notify_all();  // Stop() waits on busy_
    finished_signal_.Notify();
  }
}

void WorkerPool::CoordinatorLoop() {
  for (;;) {
    std::vector<Finished> batch;
    bool stop_claiming = false, stopping = false;
    {
      std::lock_guard lock(mu_);
      batch.swap(finished_);
      stop_claiming = stop_claiming_;
      stopping = stopping_;
    }
    if (stopping || stop_claiming) {
      if (!batch.empty()) FinishBatch(std::move(batch));
      ReleaseQueued();
      if (stopping) return;
    }
    const auto now = Clock::now();
    if (now >= next_heartbeat_) Heartbeat();
    if (now >= next_reap_) Reap();
    if (now >= next_purge_) Purge();
    if (!stop_claiming) FinishAndClaim(std::move(batch));
    bool more_finished = false;
    {
      std::lock_guard lock(mu_);
      more_finished = !finished_.empty();
    }
    if (!more_finished) Wait(std::min(settings_.poll_interval, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                   next_heartbeat_ - Clock::now())));
  }
}

void WorkerPool::Wait(std::chrono::milliseconds timeout) {
  pollfd fds[3] = {{signal_.fd(), POLLIN, 0}, {finished_signal_.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
  if (listener_) fds[2].fd = listener_->fd();
  ::poll(fds, 3, static_cast<int>(std::max<int64_t>(0, timeout.count())));
  signal_.Drain();
  finished_signal_.Drain();
  if (listener_ && (fds[2].revents != 0)) {
    if (auto drained = listener_->Drain(); !drained) {
      log::Warn("job notifications lost; reconnecting", {{"error", drained.error().message}});
      listener_.reset();
      if (auto again = db_.Listen(store::jobs::kNotifyChannel)) listener_ = std::move(*again);
    }
  }
}

void WorkerPool::Heartbeat() {
  next_heartbeat_ = Clock::now() + settings_.lease / 3;
  std::map<std::string, std::vector<std::string>> by_token;
  std::map<std::string, std::shared_ptr<Running>> held;
  {
    std::lock_guard lock(mu_);
    held = held_;
  }
  for (const auto& [id, r] : held) by_token[r->token].push_back(id);
  if (by_token.empty()) return;
  auto states = store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Result<std::vector<store::LeaseState>> {
    std::vector<store::LeaseState> all;
    for (const auto& [token, ids] : by_token) {
      const store::Lease lease = NewLease(token);
      CHORUS_ASSIGN_OR_RETURN(auto some, store::jobs::Heartbeat(c, ids, lease));
      all.insert(all.end(), some.begin(), some.end());
    }
    return all;
  });
  if (!states) {
    log::Warn("job heartbeat failed", {{"error", states.error().message}});
    return;
  }
  std::map<std::string, bool> alive;
  for (const auto& s : *states) alive[s.id] = s.cancel_requested;
  for (const auto& [id, r] : held) {
    auto it = alive.find(id);
    if (it == alive.end()) {
      r->context.MarkLeaseLost();
    } else if (it->second) {
      r->context.RequestCancel();
    }
  }
}

void WorkerPool::Reap() {
  next_reap_ = Clock::now() + std::min<std::chrono::milliseconds>(settings_.lease / 2, std::chrono::seconds(5));
  const std::string now = NowTimestamp();
  bool webhooks = false;
  auto reaped = store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Status {
    CHORUS_ASSIGN_OR_RETURN(auto failed, store::jobs::ReapExpired(c, now));
    for (const auto& job : failed) {
      const JobOutcome outcome{"failed", "", job.last_error.value_or("worker lost")};
      if (JobHandler* h = handlers_.Find(job.kind)) CHORUS_TRY(h->OnFinished(c, job, outcome));
      if (job.callback_url && job.user_id) {
        CHORUS_TRY(store::jobs::Enqueue(c, {.kind = "webhook.deliver", .user_id = job.user_id, .subject_type = "job",
                                            .subject_id = job.id, .payload = detail::WebhookPayload(job, "failed"),
                                            .max_attempts = settings_.webhook_max_attempts}));
        webhooks = true;
      }
      failed_.Add();
    }
    return Ok();
  });
  if (!reaped) log::Warn("reaping expired leases failed", {{"error", reaped.error().message}});
  if (webhooks) signal_.Notify();
}

void WorkerPool::Purge() {
  next_purge_ = Clock::now() + std::chrono::minutes(10);
  const std::string before = FormatTimestamp(std::chrono::system_clock::now() - settings_.retention);
  auto purged = store::Transact(db_, store::Access::kWrite,
                                [&](Connection& c) { return store::jobs::PurgeFinished(c, before); });
  if (!purged) {
    log::Warn("purging old job data failed", {{"error", purged.error().message}});
    return;
  }
  if (*purged > 0) {
    purged_.Add(static_cast<uint64_t>(*purged));
    log::Info("purged payloads and results of old jobs", {{"jobs", *purged}});
  }
}

void WorkerPool::RenderMetrics(std::string& out) {
  auto it = std::back_inserter(out);
  metrics::AppendHeader(out, "chorus_jobs_finished_total", "counter", "Jobs finished by this process, by outcome.");
  fmt::format_to(it, "chorus_jobs_finished_total{{outcome=\"completed\"}} {}\n", completed_.Value());
  fmt::format_to(it, "chorus_jobs_finished_total{{outcome=\"failed\"}} {}\n", failed_.Value());
  fmt::format_to(it, "chorus_jobs_finished_total{{outcome=\"cancelled\"}} {}\n", cancelled_.Value());
  metrics::AppendHeader(out, "chorus_jobs_claimed_total", "counter", "Jobs claimed by this process.");
  fmt::format_to(it, "chorus_jobs_claimed_total {}\n", claimed_.Value());
  metrics::AppendHeader(out, "chorus_jobs_retried_total", "counter", "Failed attempts scheduled to run again.");
  fmt::format_to(it, "chorus_jobs_retried_total {}\n", retried_.Value());
  metrics::AppendHeader(out, "chorus_jobs_lost_leases_total", "counter",
                        "Results dropped because another worker had taken the job over.");
  fmt::format_to(it, "chorus_jobs_lost_leases_total {}\n", lost_.Value());
  metrics::AppendHeader(out, "chorus_jobs_purged_total", "counter",
                        "Finished jobs whose payload and result the retention sweeper removed.");
  fmt::format_to(it, "chorus_jobs_purged_total {}\n", purged_.Value());
  std::lock_guard lock(mu_);
  metrics::AppendHeader(out, "chorus_jobs_running", "gauge", "Jobs in this process's workers or waiting for one.");
  fmt::format_to(it, "chorus_jobs_running{{state=\"busy\"}} {}\n", busy_);
  fmt::format_to(it, "chorus_jobs_running{{state=\"queued\"}} {}\n", queued_.size());
}

}  // namespace chorus::jobs
