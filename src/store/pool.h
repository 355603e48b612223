// A bounded pool of connections, shared by both backends. Connections are opened lazily by the
// factory, lent through ConnectionLease, and closed when they come back broken. Callers beyond the
// limit wait (condition variable) up to the pool's wait timeout. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.h"

namespace chorus::store {

class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  ConnectionPool(std::string name, size_t max, std::chrono::milliseconds wait, Factory factory);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool();

  // Errors: kUnavailable when no connection became free within the wait, or the factory failed.
  Result<ConnectionLease> Acquire();
  PoolStats Stats() const;

  // Opens one connection now and keeps it idle, so start-up fails early on a bad database.
  Status Warm();

 private:
  friend class ConnectionLease;
  void Release(std::unique_ptr<Connection> connection);

  const std::string name_;
  const size_t max_;
  const std::chrono::milliseconds wait_;
  const Factory factory_;

  mutable std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                 // guarded by mu_
  size_t waiting_ = 0;                              // guarded by mu_
  uint64_t waits_total_ = 0;                        // guarded by mu_
  uint64_t timeouts_total_ = 0;                     // guarded by mu_
};

}  // namespace chorus::store
