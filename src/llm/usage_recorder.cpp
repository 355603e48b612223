#include "llm/usage_recorder.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "store/transaction.h"
#include "store/usage_logs.h"
#include "store/usage_metrics.h"

namespace chorus::llm {
namespace {

// The database refused a row (its user or conversation gone, a value out of bounds), as opposed to
// not answering.
bool IsRefusal(const Error& e) {
  return e.code == ErrorCode::kFailedPrecondition || e.code == ErrorCode::kInvalidArgument;
}

constexpr auto kShutdownPatience = std::chrono::seconds(8);
constexpr auto kShutdownRetryPause = std::chrono::milliseconds(500);

}  // namespace

UsageRecorder::UsageRecorder(store::Database& db, std::chrono::milliseconds interval, size_t max_queued)
    : db_(db), interval_(interval), max_queued_(max_queued), thread_([this] { Loop(); }) {}

UsageRecorder::~UsageRecorder() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // A database that does not answer at this moment (a PostgreSQL failover, a busy SQLite file) is
  // given a few seconds before the rows are given up: attempts begin until kShutdownPatience has
  // passed (each may itself wait up to storage.busy_timeout or storage.connect_timeout).
  const auto give_up = std::chrono::steady_clock::now() + kShutdownPatience;
  Status flushed = Flush();
  while (!flushed && !IsRefusal(flushed.error()) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(kShutdownRetryPause);
    flushed = Flush();
  }
  if (!flushed) {
    size_t lost = 0;
    {
      std::lock_guard lock(mu_);
      lost = queue_.size();
    }
    log::Error("usage rows could not be written at shutdown",
               {{"error", flushed.error().message}, {"rows", static_cast<int64_t>(lost)}});
  }
}

void UsageRecorder::Record(UsageRecord record) {
  std::lock_guard lock(mu_);
  if (queue_.size() >= max_queued_) {
    dropped_.Add();
    return;
  }
  queue_.push_back(std::move(record));
  if (queue_.size() == kEagerRows) {
    eager_ = true;
    wake_.notify_one();
  }
}

void UsageRecorder::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || eager_; });
    if (stopping_) break;
    eager_ = false;
    lock.unlock();
    if (auto flushed = Flush(); !flushed) {
      // Logged when an outage begins and then every 100th attempt, not at every interval.
      if (failed_flushes_in_a_row_++ % 100 == 0) {
        log::Warn("usage rows not written yet; retrying",
                  {{"error", flushed.error().message}, {"attempts", static_cast<int64_t>(failed_flushes_in_a_row_)}});
      }
      failed_flushes_.Add();
    } else {
      failed_flushes_in_a_row_ = 0;
    }
    lock.lock();
  }
}

Status UsageRecorder::Flush() {
  std::lock_guard flushing(flush_mu_);
  std::vector<UsageRecord> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(queue_);
  }
  if (batch.empty()) return Ok();
  auto written = Write(batch);
  if (!written && IsRefusal(written.error())) return WriteOneByOne(batch);
  if (!written) {
    Requeue(batch, 0);
    return written;
  }
  written_.Add(batch.size());
  return Ok();
}

Status UsageRecorder::WriteOneByOne(std::vector<UsageRecord>& batch) {
  // Its conversation may have been deleted meanwhile: the spend is kept without it, as for rows
  // already written (0014). If its user was deleted, the row goes as their rows did.
  for (size_t i = 0; i < batch.size(); ++i) {
    std::vector<UsageRecord> one{batch[i]};
    auto kept = Write(one);
    if (!kept && IsRefusal(kept.error()) && one[0].conversation_id) {
      one[0].conversation_id.reset();
      kept = Write(one);
    }
    if (kept) {
      written_.Add();
    } else if (IsRefusal(kept.error())) {
      dropped_.Add();
    } else {
      Requeue(batch, i);  // the database went away meanwhile: the rest waits for the next flush
      return kept;
    }
  }
  return Ok();
}

void UsageRecorder::Requeue(std::vector<UsageRecord>& batch, size_t from) {
  std::lock_guard lock(mu_);
  const size_t room = max_queued_ > queue_.size() ? max_queued_ - queue_.size() : 0;
  const size_t left = batch.size() - from;
  if (left > room) dropped_.Add(left - room);
  const auto begin = batch.begin() + static_cast<std::ptrdiff_t>(from);
  queue_.insert(queue_.begin(), std::make_move_iterator(begin), std::make_move_iterator(begin + std::min(left, room)));
}

Status UsageRecorder::Write(const std::vector<UsageRecord>& batch) {
  // Daily counters per user and day: one upsert each, however many calls the batch holds. Keyed by
  // views into the batch and the day's number, so that counting a call copies and formats nothing.
  using Day = std::chrono::sys_days;
  std::map<std::pair<std::string_view, Day>, store::UsageIncrement> daily;
  for (const auto& r : batch) {
    const Day day = std::chrono::floor<std::chrono::days>(r.at);
    auto& inc = daily.try_emplace({r.user_id, day}, store::UsageIncrement{.requests = 0}).first->second;
    inc.requests += 1;
    inc.input_tokens += r.input_tokens;
    inc.output_tokens += r.output_tokens;
    inc.tokens += r.input_tokens + r.output_tokens;
    inc.cost += r.cost;
  }
  // The rows go in slices (one transaction still), so that a large batch is never copied whole.
  auto insert = [&batch](store::Connection& conn, size_t from, size_t to) -> Status {
    std::vector<store::UsageLogRow> rows;
    rows.reserve(to - from);
    for (size_t i = from; i < to; ++i) {
      const UsageRecord& r = batch[i];
      rows.push_back(store::UsageLogRow{.user_id = r.user_id,
                                        .conversation_id = r.conversation_id,
                                        .provider = r.provider,
                                        .model = r.model,
                                        .input_tokens = r.input_tokens,
                                        .output_tokens = r.output_tokens,
                                        .cost = r.cost,
                                        .latency_ms = r.latency_ms,
                                        .status = r.status,
                                        .at = r.at});
    }
    CHORUS_TRY(store::usage_logs::InsertMany(conn, rows));
    return Ok();
  };
  return store::Transact(db_, store::Access::kWrite, [&](store::Connection& conn) -> Status {
    for (size_t from = 0; from < batch.size(); from += store::usage_logs::kInsertBatchRows) {
      CHORUS_TRY(insert(conn, from, std::min(batch.size(), from + store::usage_logs::kInsertBatchRows)));
    }
    for (const auto& [key, inc] : daily) {
      CHORUS_TRY(store::usage_metrics::Add(conn, key.first, "llm", FormatDate(key.second), inc));
    }
    return Ok();
  });
}

void UsageRecorder::RenderMetrics(std::string& out) const {
  auto it = std::back_inserter(out);
  metrics::AppendHeader(out, "chorus_llm_usage_written_total", "counter", "Usage rows of model calls written.");
  fmt::format_to(it, "chorus_llm_usage_written_total {}\n", written_.Value());
  metrics::AppendHeader(out, "chorus_llm_usage_dropped_total", "counter",
                        "Usage rows dropped because the queue was full (the database was unavailable for long).");
  fmt::format_to(it, "chorus_llm_usage_dropped_total {}\n", dropped_.Value());
  metrics::AppendHeader(out, "chorus_llm_usage_failed_flushes_total", "counter", "Batches that failed and were retried.");
  fmt::format_to(it, "chorus_llm_usage_failed_flushes_total {}\n", failed_flushes_.Value());
}

}  // namespace chorus::llm
