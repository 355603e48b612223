#include "store/pool.h"

#include <fmt/format.h>

#include "base/log.h"

namespace chorus::store {

const char* DialectName(Dialect dialect) { return dialect == Dialect::kSqlite ? "sqlite" : "postgres"; }

ConnectionLease& ConnectionLease::operator=(ConnectionLease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
  }
  return *this;
}

ConnectionLease::~ConnectionLease() { Return(); }

void ConnectionLease::Return() {
  if (connection_ && pool_) pool_->Release(std::move(connection_));
}

ConnectionPool::ConnectionPool(std::string name, size_t max, std::chrono::milliseconds wait, Factory factory)
    : name_(std::move(name)), max_(max), wait_(wait), factory_(std::move(factory)) {}

ConnectionPool::~ConnectionPool() = default;

Result<ConnectionLease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  if (idle_.empty() && open_ >= max_) {
    ++waits_total_;
    ++waiting_;
    const bool got = available_.wait_for(lock, wait_, [this] { return !idle_.empty() || open_ < max_; });
    --waiting_;
    if (!got) {
      ++timeouts_total_;
      return Unexpected(ErrorCode::kUnavailable,
                        fmt::format("no {} database connection became free in {} ms", name_, wait_.count()));
    }
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return ConnectionLease(this, std::move(connection));
  }
  ++open_;  // reserve the slot, then open without holding the lock
  lock.unlock();
  auto connection = factory_();
  if (!connection) {
    lock.lock();
    --open_;
    available_.notify_one();
    return Unexpected(ErrorCode::kUnavailable, connection.error().message);
  }
  return ConnectionLease(this, std::move(*connection));
}

void ConnectionPool::Release(std::unique_ptr<Connection> connection) {
  if (!connection->Broken() && connection->InTransaction()) {
    // A lease ended inside a transaction (an error path forgot to finish it): roll it back so the
    // next borrower starts clean.
    log::Warn("database connection returned inside a transaction; rolling back", {{"pool", name_}});
    (void)connection->ExecuteScript("ROLLBACK");
  }
  std::lock_guard lock(mu_);
  if (connection->Broken() || connection->InTransaction()) {
    --open_;
    connection.reset();
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

Status ConnectionPool::Warm() {
  auto lease = Acquire();
  if (!lease) return Unexpected(std::move(lease).error());
  return Ok();
}

PoolStats ConnectionPool::Stats() const {
  std::lock_guard lock(mu_);
  return PoolStats{name_, max_, open_, open_ - idle_.size(), waiting_, waits_total_, timeouts_total_};
}

Status Ping(Database& db) {
  auto lease = db.Acquire(Access::kRead);
  if (!lease) return Unexpected(std::move(lease).error());
  auto rows = (*lease)->Exec("SELECT 1");
  if (!rows) return Unexpected(ErrorCode::kUnavailable, rows.error().message);
  return Ok();
}

}  // namespace chorus::store
