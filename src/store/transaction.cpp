#include "store/transaction.h"

namespace chorus::store {

const char* BeginStatement(Dialect dialect, Access access) {
  if (dialect == Dialect::kSqlite) return access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
  // Writes are READ COMMITTED whatever the server's default: a write that locks a row (SELECT …
  // FOR UPDATE) then sees what the writer before it committed, which locking relies on.
  return access == Access::kWrite ? "BEGIN ISOLATION LEVEL READ COMMITTED"
                                  : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
}

}  // namespace chorus::store
