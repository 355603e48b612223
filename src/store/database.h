// The storage core: one interface, two backends (store/sqlite and store/postgres).
//
// A Database lends Connections from its pools. A Connection runs SQL with parameters written $1, $2,
// ... in both dialects, so a statement that is portable SQL is written once. SQL lives only in store/:
// repositories build their statements from constants and bind every value as a parameter.
//
// Threading: a Database is safe to use from any thread. A Connection is used by one thread at a
// time — whoever holds its lease. Every call here blocks; network threads reach them only through
// AsyncDb (store/async_db.h), which runs them on a BlockingPool.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/value.h"

namespace chorus::store {

enum class Dialect { kSqlite, kPostgres };
const char* DialectName(Dialect dialect);

// What a caller will do with a connection. On SQLite writes go to the single writer connection
// and reads to query-only reader connections; on PostgreSQL both come from one pool.
enum class Access { kRead, kWrite };

class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement with parameters bound to $1..$n, and returns its rows (none for statements
  // without a result) and the count of rows it changed. Statements are prepared once per connection
  // and cached. Errors: kAlreadyExists (unique or primary key violated), kFailedPrecondition
  // (foreign key), kInvalidArgument (CHECK, NOT NULL, bad data), kAborted (serialization failure or
  // deadlock: retry the transaction), kUnavailable (busy or connection lost), kInternal (anything else,
  // including SQL errors, which are bugs). The message names the constraint where there is one.
  virtual Result<Rows> Execute(std::string_view sql, std::span<const Value> params = {}) = 0;

  // Runs a script of statements separated by semicolons, without parameters (migrations).
  virtual Status ExecuteScript(std::string_view sql) = 0;

  // True when the connection can no longer be used (server gone); the pool then discards it.
  virtual bool Broken() const = 0;
  // True inside BEGIN ... COMMIT.
  virtual bool InTransaction() const = 0;

  template <typename... Args>
  Result<Rows> Exec(std::string_view sql, Args&&... args) {
    const Value params[] = {Value(std::forward<Args>(args))..., Value()};
    return Execute(sql, std::span<const Value>(params, sizeof...(Args)));
  }
};

class ConnectionPool;

// A borrowed connection, returned to its pool when the lease ends. A lease must end before its
// Database is destroyed. Move-only.
class ConnectionLease {
 public:
  ConnectionLease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}
  ConnectionLease(ConnectionLease&&) noexcept = default;
  ConnectionLease& operator=(ConnectionLease&& other) noexcept;
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  ~ConnectionLease();

  Connection& operator*() const { return *connection_; }
  Connection* operator->() const { return connection_.get(); }

 private:
  void Return();
  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
};

struct PoolStats {
  std::string name;     // "writer", "reader", "pool"
  size_t max = 0;       // connections allowed
  size_t open = 0;      // connections that exist
  size_t in_use = 0;    // connections lent out
  size_t waiting = 0;   // callers waiting for one
  uint64_t waits_total = 0;     // acquisitions that had to wait
  uint64_t timeouts_total = 0;  // acquisitions that gave up
};

// Notifications on one channel (PostgreSQL LISTEN), waited for with poll() on fd(). Used by one
// thread at a time.
class Listener {
 public:
  Listener() = default;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  virtual ~Listener() = default;

  // A descriptor that becomes readable when notifications may have arrived.
  virtual int fd() const = 0;
  // Reads what arrived; returns how many notifications. kUnavailable when the connection broke
  // (make a new Listener).
  virtual Result<int> Drain() = 0;
};

class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;

  // Borrows a connection, opening one if the pool has room, else waiting up to the configured busy
  // timeout. Errors: kUnavailable when none became free in time or a new one could not be opened.
  // Safe to call concurrently.
  virtual Result<ConnectionLease> Acquire(Access access) = 0;

  // A snapshot of each pool, for /metrics.
  virtual std::vector<PoolStats> Stats() const = 0;

  // Where the database lives, without credentials ("sqlite:/srv/chorus.db", "postgres://db1/chorus").
  virtual std::string Describe() const = 0;

  // Listens on `channel` with a connection of its own. kUnavailable where the backend has no
  // notifications (SQLite: callers poll) or the server cannot be reached.
  virtual Result<std::unique_ptr<Listener>> Listen(std::string_view channel) {
    (void)channel;
    return Unexpected(ErrorCode::kUnavailable, "this database has no notifications");
  }
};

// Borrows a connection and runs `SELECT 1` on it. kUnavailable when the database cannot answer.
Status Ping(Database& db);

}  // namespace chorus::store
