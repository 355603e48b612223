// UsageRecorder: the gateway's UsageSink. Records are queued in memory (a lock and a push on the
// request path) and written by one background thread every `interval`, in one transaction: the
// usage_logs rows, and one usage_metrics upsert per user and day (service "llm").
//
// Trade-off, stated: a crash loses at most the last interval of usage rows (250 ms by default);
// responses already went out, so this is metering, not acknowledged user data. The queue is
// bounded; past `max_queued` records are dropped and counted (chorus_llm_usage_dropped_total).
// Under heavy traffic a batch is written as soon as kEagerRows records wait, before the interval
// is up, so that the memory a batch holds stays small at any request rate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "llm/gateway.h"
#include "store/database.h"

namespace chorus::llm {

class UsageRecorder : public UsageSink {
 public:
  static constexpr size_t kEagerRows = 2048;

  UsageRecorder(store::Database& db, std::chrono::milliseconds interval, size_t max_queued = 100000);
  ~UsageRecorder() override;  // writes what is queued (retrying for some seconds should the database not answer)
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  void Record(UsageRecord record) override;
  // Writes everything queued so far, now. Errors are the database's; the batch is kept for the
  // next attempt.
  Status Flush();
  void RenderMetrics(std::string& out) const;

 private:
  void Loop();
  Status Write(const std::vector<UsageRecord>& batch);
  // After the database refused a row of `batch`: each row alone, so that it holds back no other.
  Status WriteOneByOne(std::vector<UsageRecord>& batch);
  // Puts batch[from...] back in front of what arrived meanwhile, within the bound.
  void Requeue(std::vector<UsageRecord>& batch, size_t from);

  store::Database& db_;
  const std::chrono::milliseconds interval_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<UsageRecord> queue_;  // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  bool eager_ = false;              // kEagerRows are waiting; guarded by mu_
  std::mutex flush_mu_;             // one writer at a time
  metrics::Counter written_;
  metrics::Counter dropped_;
  metrics::Counter failed_flushes_;
  uint64_t failed_flushes_in_a_row_ = 0;  // the writer thread's own
  std::thread thread_;
};

}  // namespace chorus::llm
