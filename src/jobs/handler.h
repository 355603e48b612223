// What a job kind does. A handler runs on a worker thread, outside any transaction, and may block
// (decode audio, call an upstream). Long handlers check JobContext::stop_requested() now and then:
// it turns true when the user cancels the job or when the lease was lost to another worker.
//
// Errors decide what happens next: codes that can pass (kUnavailable, kDeadlineExceeded, kUpstream,
// kAborted, kInternal, kRateLimited) retry with exponential backoff and jitter while attempts remain;
// the others (bad input and the like) fail the job at once.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/database.h"
#include "store/jobs.h"

namespace chorus::jobs {

class JobContext {
 public:
  explicit JobContext(store::Job job) : job_(std::move(job)) {}
  const store::Job& job() const { return job_; }
  bool stop_requested() const { return cancel_requested_.load() || lease_lost_.load(); }
  bool cancel_requested() const { return cancel_requested_.load(); }
  bool lease_lost() const { return lease_lost_.load(); }

  // Set by the worker pool.
  void RequestCancel() { cancel_requested_.store(true); }
  void MarkLeaseLost() { lease_lost_.store(true); }

 private:
  const store::Job job_;
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> lease_lost_{false};
};

// How a job ended, as its OnFinished hook sees it.
struct JobOutcome {
  std::string status;  // completed | failed | cancelled
  std::string result;  // JSON, for completed
  std::string error;   // for failed
};

class JobHandler {
 public:
  JobHandler() = default;
  JobHandler(const JobHandler&) = delete;
  JobHandler& operator=(const JobHandler&) = delete;
  virtual ~JobHandler() = default;

  // Does the work; returns the result as JSON (may be empty). Called concurrently for different jobs.
  virtual Result<std::string> Run(JobContext& context) = 0;
  // In the transaction that claims the job: e.g. its domain row becomes "processing".
  virtual Status OnStarted(store::Connection& conn, const store::Job& job) {
    (void)conn;
    (void)job;
    return Ok();
  }
  // In the transaction that finishes the job for good: e.g. its domain row follows the job.
  virtual Status OnFinished(store::Connection& conn, const store::Job& job, const JobOutcome& outcome) {
    (void)conn;
    (void)job;
    (void)outcome;
    return Ok();
  }
};

// kind -> handler. Filled at start-up, read-only afterwards.
class HandlerRegistry {
 public:
  void Add(std::string kind, JobHandler& handler) { handlers_[std::move(kind)] = &handler; }
  JobHandler* Find(const std::string& kind) const {
    auto it = handlers_.find(kind);
    return it == handlers_.end() ? nullptr : it->second;
  }
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (const auto& [kind, handler] : handlers_) out.push_back(kind);
    return out;
  }

 private:
  std::map<std::string, JobHandler*> handlers_;
};

// Whether an error may pass on a later attempt.
bool IsRetryable(ErrorCode code);

}  // namespace chorus::jobs
