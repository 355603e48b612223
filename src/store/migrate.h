// Versioned schema migrations, one list per dialect (src/store/migrations/<dialect>/NNNN_name.sql),
// compiled into the binary so `chorus migrate` works from any directory.
//
// Each migration runs in its own transaction and is recorded in schema_migrations with the SHA-256
// of its text. A recorded migration whose text has since changed is an error (kDataLoss): the
// database no longer matches what the code believes it is, and nothing further is applied.
// Migrating is safe to run from several processes at once: each migration takes a lock (the SQLite
// write lock; a PostgreSQL advisory lock) and skips itself if another process applied it meanwhile.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace chorus::store {

struct Migration {
  int version = 0;
  std::string_view name;
  std::string_view sql;
};

std::string MigrationChecksum(const Migration& migration);

struct MigrationStatus {
  int latest_known = 0;
  std::vector<int> applied;  // recorded, with the checksum this binary expects
  std::vector<int> pending;  // known to this binary, not yet recorded
  std::vector<int> changed;  // recorded with a different checksum
  std::vector<int> unknown;  // recorded but unknown to this binary (a newer binary migrated)
  bool Current() const { return pending.empty() && changed.empty(); }
};

// Reads schema_migrations (an empty database has every migration pending).
Result<MigrationStatus> InspectMigrations(Connection& conn, std::span<const Migration> migrations);
Result<MigrationStatus> InspectMigrations(Database& db, std::span<const Migration> migrations);

// Applies every pending migration in version order; returns how many this call applied.
// Errors: kDataLoss when a recorded migration changed (nothing is applied); the migration's own
// error, prefixed with its file name, when one fails (it is rolled back; earlier ones stay).
Result<int> ApplyMigrations(Database& db, std::span<const Migration> migrations);

// The migrations compiled into this binary for a dialect, in version order.
std::span<const Migration> EmbeddedMigrations(Dialect dialect);

}  // namespace chorus::store
