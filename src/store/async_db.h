// The way coroutines reach the database. AsyncDb runs each unit of work on a BlockingPool thread
// with a borrowed connection and resumes the caller with its Result, so network threads never block
// on SQL:
//
//   auto user = co_await db.Read([&](store::Connection& c) { return users.Get(c, id); });
//   auto made = co_await db.Write([&](store::Connection& c) { return users.Create(c, row); });
//
// Read borrows a read connection and runs the work without a transaction (each statement sees
// committed data). Write runs the work inside one write transaction (store/transaction.h).
// Thread-safe.
#pragma once

#include <type_traits>

#include "base/async.h"
#include "store/database.h"
#include "store/transaction.h"

namespace chorus::store {

class AsyncDb {
 public:
  AsyncDb(Database& db, BlockingPool& pool) : db_(db), pool_(pool) {}

  Database& database() const { return db_; }
  Dialect dialect() const { return db_.dialect(); }
  // The pool that runs the blocking work (for work that takes its own connections).
  BlockingPool& pool() const { return pool_; }

  template <typename F>
  auto Read(F fn) -> Task<std::invoke_result_t<F&, Connection&>> {
    using R = std::invoke_result_t<F&, Connection&>;
    auto work = [this, fn = std::move(fn)]() mutable -> R {
      auto lease = db_.Acquire(Access::kRead);
      if (!lease) return R(Unexpected(std::move(lease).error()));
      return fn(**lease);
    };
    co_return co_await pool_.Run(std::move(work));  // named first: see the GCC 12 note in base/async.h
  }

  template <typename F>
  auto Write(F fn) -> Task<std::invoke_result_t<F&, Connection&>> {
    using R = std::invoke_result_t<F&, Connection&>;
    auto work = [this, fn = std::move(fn)]() mutable -> R { return Transact(db_, Access::kWrite, fn); };
    co_return co_await pool_.Run(std::move(work));
  }

 private:
  Database& db_;
  BlockingPool& pool_;
};

}  // namespace chorus::store
