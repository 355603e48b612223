// Transactions. Transact() runs a unit of work inside BEGIN ... COMMIT on one borrowed connection:
// it commits when the work returns a value and rolls back when it returns an error. When the
// database reports a lost race (kAborted: a PostgreSQL serialization failure or deadlock), the whole
// unit runs again, up to kMaxAttempts times, so the work must not have side effects outside the
// database.
//
// SQLite write transactions start with BEGIN IMMEDIATE, taking the write lock up front so that two
// writers never deadlock on a lock upgrade.
#pragma once

#include <type_traits>

#include "store/database.h"

namespace chorus::store {

inline constexpr int kMaxTransactionAttempts = 3;

const char* BeginStatement(Dialect dialect, Access access);

template <typename F>
auto Transact(Connection& conn, Access access, F&& fn) -> std::invoke_result_t<F&, Connection&> {
  using R = std::invoke_result_t<F&, Connection&>;
  for (int attempt = 1;; ++attempt) {
    if (auto begun = conn.ExecuteScript(BeginStatement(conn.dialect(), access)); !begun) {
      return R(Unexpected(std::move(begun).error()));
    }
    R result = fn(conn);
    if (result) {
      auto committed = conn.ExecuteScript("COMMIT");
      if (committed) return result;
      if (conn.InTransaction()) (void)conn.ExecuteScript("ROLLBACK");
      if (committed.error().code != ErrorCode::kAborted || attempt == kMaxTransactionAttempts) {
        return R(Unexpected(std::move(committed).error()));
      }
      continue;
    }
    if (conn.InTransaction()) (void)conn.ExecuteScript("ROLLBACK");
    if (result.error().code != ErrorCode::kAborted || attempt == kMaxTransactionAttempts) return result;
  }
}

template <typename F>
auto Transact(Database& db, Access access, F&& fn) -> std::invoke_result_t<F&, Connection&> {
  using R = std::invoke_result_t<F&, Connection&>;
  auto lease = db.Acquire(access);
  if (!lease) return R(Unexpected(std::move(lease).error()));
  return Transact(**lease, access, std::forward<F>(fn));
}

}  // namespace chorus::store
