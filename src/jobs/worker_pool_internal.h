// What the two halves of the worker pool share (worker_pool.cpp: threads, heartbeats, reaping;
// worker_pool_batch.cpp: the claim and finish transactions). Not for use outside jobs/.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "base/time.h"
#include "jobs/worker_pool.h"

namespace chorus::jobs {

struct WorkerPool::Running {
  Running(store::Job j, JobHandler* h, std::string t) : context(j), handler(h), token(std::move(t)) {}
  JobContext context;
  JobHandler* handler;
  std::string token;
};

// Counted only once the transaction that recorded them commits.
struct WorkerPool::Tally {
  uint64_t completed = 0, failed = 0, cancelled = 0, retried = 0, lost = 0;
  bool webhooks = false;
};

namespace detail {

inline std::string Later(std::chrono::milliseconds d) { return FormatTimestamp(std::chrono::system_clock::now() + d); }

inline std::string WebhookPayload(const store::Job& job, std::string_view status) {
  std::string out = R"({"job_id":")";
  AppendJsonEscaped(out, job.id);
  out += R"(","event":"job.)";
  out += status;
  out += "\"}";
  return out;
}

}  // namespace detail

}  // namespace chorus::jobs
