// The jobs table (migration 0008): enqueue, claim with a lease, heartbeat, finish, cancel, list.
//
// Claims and finishes are batched by the worker pool; every function here runs on the connection it
// is given, inside the caller's transaction. A claim stamps one random lease token on the jobs it
// takes; Heartbeat, Complete and Fail only touch a job whose (id, lease_token) still match, so a
// worker that lost its lease (it stalled past the expiry and another worker took the job) cannot
// overwrite anything.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct Job {
  std::string id;
  std::string kind;
  std::optional<std::string> user_id;
  std::optional<std::string> subject_type;
  std::optional<std::string> subject_id;
  std::optional<std::string> payload;  // JSON
  std::string status;                  // pending | processing | completed | failed | cancelled
  int64_t priority = 0;
  int64_t attempts = 0;
  int64_t max_attempts = 5;
  std::string run_at;
  std::optional<std::string> lease_owner;
  std::optional<std::string> lease_token;
  std::optional<std::string> lease_expires_at;
  std::optional<std::string> heartbeat_at;
  bool cancel_requested = false;
  std::optional<std::string> callback_url;
  std::optional<std::string> last_error;
  std::optional<std::string> result;  // JSON
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> started_at;
  std::optional<std::string> finished_at;

  bool finished() const { return status == "completed" || status == "failed" || status == "cancelled"; }
};

struct NewJob {
  std::string kind;
  std::optional<std::string> user_id;
  std::optional<std::string> subject_type;
  std::optional<std::string> subject_id;
  std::optional<std::string> payload;  // JSON
  int64_t priority = 0;
  int64_t max_attempts = 5;
  std::optional<std::string> run_at;  // default: now
  std::optional<std::string> callback_url;
};

struct JobFilter {
  std::optional<std::string> kind;
  std::optional<std::string> status;
};

struct Lease {
  std::string owner;       // "host:pid"
  std::string token;       // random, one per claim
  std::string now;
  std::string expires_at;
};

// What a heartbeat learned about one job.
struct LeaseState {
  std::string id;
  bool cancel_requested = false;
};

// A job a worker finished successfully.
struct Completion {
  std::string id;
  std::string token;   // the lease it was run under
  std::string result;  // JSON, or empty
};

namespace jobs {

inline constexpr const char* kNotifyChannel = "chorus_jobs";

// Inserts a pending job. kInvalidArgument for a bad kind, payload or URL. Workers find it at their
// next poll; after the commit, jobs::JobNotifier wakes them at once.
Result<Job> Enqueue(Connection& conn, const NewJob& job);

// PostgreSQL: notifies kNotifyChannel, so workers LISTENing anywhere claim now. Run it outside the
// enqueueing transaction: PostgreSQL serialises the commits of notifying transactions, which would
// halve enqueue throughput. SQLite: nothing to do (one process).
Status NotifyWorkers(Connection& conn);

// Takes up to `limit` due pending jobs of the given kinds, highest priority first, and marks them
// processing under `lease` (attempts + 1). Concurrent claimers never take the same job.
Result<std::vector<Job>> Claim(Connection& conn, std::span<const std::string> kinds, int limit, const Lease& lease);

// Extends the leases of `ids` held with `token`; returns the jobs still held (and whether each
// was asked to cancel). A job missing from the result has been lost.
Result<std::vector<LeaseState>> Heartbeat(Connection& conn, std::span<const std::string> ids, const Lease& lease);

// Completes a batch in one statement; returns the ids whose lease still matched (the others'
// results are discarded).
Result<std::vector<std::string>> CompleteMany(Connection& conn, std::span<const Completion> done,
                                              std::string_view now);
// kConflict when the job is no longer held with `token` (the result is discarded).
Status Complete(Connection& conn, std::string_view id, std::string_view token, std::string_view result,
                std::string_view now);
// Records a failure: back to pending at `retry_at` while attempts remain, else failed for good.
// Returns the job as it now is. kConflict when the lease is lost.
Result<Job> Fail(Connection& conn, std::string_view id, std::string_view token, std::string_view error,
                 std::optional<std::string_view> retry_at, std::string_view now);
// The worker stopped a job whose cancellation was requested. kConflict when the lease is lost.
Status AcknowledgeCancel(Connection& conn, std::string_view id, std::string_view token, std::string_view now);

// Gives back claimed jobs that never started (a stopping worker): pending again, the claim's
// attempt not counted.
Status Release(Connection& conn, std::span<const std::string> ids, const Lease& lease);

// Leases that expired before `now`: jobs with attempts left go back to pending (the next claim
// counts the new attempt); the others fail with "worker lost". Returns the jobs that failed.
Result<std::vector<Job>> ReapExpired(Connection& conn, std::string_view now);

// A user cancels their job: a pending one is cancelled at once, a processing one is asked to stop
// (the worker acknowledges). kNotFound when it is not the user's; kConflict when already finished.
Result<Job> RequestCancel(Connection& conn, std::string_view user_id, std::string_view id, std::string_view now);

Result<Job> Get(Connection& conn, std::string_view user_id, std::string_view id);
// By id alone, for the job system itself.
Result<Job> GetAny(Connection& conn, std::string_view id);
Result<Page<Job>> List(Connection& conn, std::string_view user_id, const JobFilter& filter, const PageRequest& page);

// Clears payload and result of jobs finished before `before`; returns how many were purged.
Result<int64_t> PurgeFinished(Connection& conn, std::string_view before);

struct StatusCount {
  std::string status;
  int64_t count = 0;
};
// Pending and processing jobs (the ones the partial indexes cover, so this stays cheap).
Result<std::vector<StatusCount>> CountActive(Connection& conn);

}  // namespace jobs
}  // namespace chorus::store
