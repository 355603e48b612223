#include "store/migrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/digest.h"
#include "base/log.h"
#include "store/transaction.h"

namespace chorus::store {
namespace {

// Serialises migrations across PostgreSQL sessions; SQLite's BEGIN IMMEDIATE does the same there.
constexpr int64_t kMigrationLockKey = 0x43686f7275734d;  // "ChorusM"

const char* CreateTableSql(Dialect dialect) {
  if (dialect == Dialect::kSqlite) {
    return "CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version INTEGER PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " checksum TEXT NOT NULL,"
           " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
           ") STRICT";
  }
  return "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " version BIGINT PRIMARY KEY,"
         " name TEXT NOT NULL,"
         " checksum TEXT NOT NULL,"
         " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())";
}

Status LockForMigration(Connection& conn) {
  if (conn.dialect() != Dialect::kPostgres) return Ok();
  CHORUS_TRY(conn.Exec("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey));
  return Ok();
}

Status EnsureTable(Connection& conn) {
  return Transact(conn, Access::kWrite, [](Connection& c) -> Status {
    CHORUS_TRY(LockForMigration(c));
    return c.ExecuteScript(CreateTableSql(c.dialect()));
  });
}

// version -> checksum of what is recorded.
Result<std::map<int, std::string>> Recorded(Connection& conn) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT version, checksum FROM schema_migrations ORDER BY version"));
  std::map<int, std::string> recorded;
  for (Row row : rows) recorded.emplace(static_cast<int>(row.Int(0)), row.Text(1));
  return recorded;
}

Result<bool> TableExists(Connection& conn) {
  const char* sql = conn.dialect() == Dialect::kSqlite
                        ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
                        : "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                          "AND tablename = 'schema_migrations'";
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec(sql));
  return !rows.empty();
}

MigrationStatus Compare(std::span<const Migration> migrations, const std::map<int, std::string>& recorded) {
  MigrationStatus status;
  for (const Migration& m : migrations) {
    status.latest_known = std::max(status.latest_known, m.version);
    auto it = recorded.find(m.version);
    if (it == recorded.end()) status.pending.push_back(m.version);
    else if (it->second != MigrationChecksum(m)) status.changed.push_back(m.version);
    else status.applied.push_back(m.version);
  }
  for (const auto& [version, checksum] : recorded) {
    const bool known = std::any_of(migrations.begin(), migrations.end(),
                                   [v = version](const Migration& m) { return m.version == v; });
    if (!known) status.unknown.push_back(version);
  }
  return status;
}

std::string FileName(const Migration& m) { return fmt::format("{:04d}_{}.sql", m.version, m.name); }

Unexpected ChangedError(const MigrationStatus& status, std::span<const Migration> migrations) {
  std::string names;
  for (int v : status.changed) {
    for (const Migration& m : migrations) {
      if (m.version == v) names += (names.empty() ? "" : ", ") + FileName(m);
    }
  }
  return Unexpected(ErrorCode::kDataLoss,
                    fmt::format("applied migration changed since it ran (checksum differs): {}; restore the "
                                "original file and add a new migration instead",
                                names));
}

// Applies one migration unless another process got there first.
Result<bool> ApplyOne(Connection& conn, const Migration& m) {
  return Transact(conn, Access::kWrite, [&m](Connection& c) -> Result<bool> {
    CHORUS_TRY(LockForMigration(c));
    CHORUS_ASSIGN_OR_RETURN(Rows existing, c.Exec("SELECT checksum FROM schema_migrations WHERE version = $1", m.version));
    if (!existing.empty()) {
      if (existing[0].Text(0) != MigrationChecksum(m)) {
        return Unexpected(ErrorCode::kDataLoss, fmt::format("{} changed since it ran", FileName(m)));
      }
      return false;
    }
    if (auto done = c.ExecuteScript(m.sql); !done) {
      return Unexpected(done.error().code, fmt::format("{}: {}", FileName(m), done.error().message));
    }
    CHORUS_TRY(c.Exec("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                      m.name, MigrationChecksum(m)));
    return true;
  });
}

}  // namespace

std::string MigrationChecksum(const Migration& migration) { return Sha256Hex(migration.sql); }

Result<MigrationStatus> InspectMigrations(Connection& conn, std::span<const Migration> migrations) {
  CHORUS_ASSIGN_OR_RETURN(bool exists, TableExists(conn));
  std::map<int, std::string> recorded;
  if (exists) {
    CHORUS_ASSIGN_OR_RETURN(recorded, Recorded(conn));
  }
  return Compare(migrations, recorded);
}

Result<MigrationStatus> InspectMigrations(Database& db, std::span<const Migration> migrations) {
  CHORUS_ASSIGN_OR_RETURN(ConnectionLease lease, db.Acquire(Access::kRead));
  return InspectMigrations(*lease, migrations);
}

Result<int> ApplyMigrations(Database& db, std::span<const Migration> migrations) {
  CHORUS_ASSIGN_OR_RETURN(ConnectionLease lease, db.Acquire(Access::kWrite));
  CHORUS_TRY(EnsureTable(*lease));
  CHORUS_ASSIGN_OR_RETURN(auto recorded, Recorded(*lease));
  const MigrationStatus status = Compare(migrations, recorded);
  if (!status.changed.empty()) return ChangedError(status, migrations);

  std::vector<const Migration*> ordered;
  for (const Migration& m : migrations) ordered.push_back(&m);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
  int applied = 0;
  for (const Migration* m : ordered) {
    if (recorded.contains(m->version)) continue;
    CHORUS_ASSIGN_OR_RETURN(bool ran, ApplyOne(*lease, *m));
    if (ran) {
      ++applied;
      log::Info("migration applied", {{"file", FileName(*m)}, {"dialect", DialectName(db.dialect())}});
    }
  }
  if (!status.unknown.empty()) {
    log::Warn("database has migrations this binary does not know; a newer Chorus migrated it",
              {{"latest_recorded", status.unknown.back()}});
  }
  return applied;
}

}  // namespace chorus::store
