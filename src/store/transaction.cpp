#include "store/transaction.h"

namespace chorus::store {

const char* BeginStatement(Dialect dialect, Access access) {
  if (dialect == Dialect::kSqlite) return access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN";
  return access == Access::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
}

}  // namespace chorus::store
