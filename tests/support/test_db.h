// Real databases for tests: a fresh SQLite file in a temp directory, or a fresh database in the
// throwaway PostgreSQL cluster that CTest starts (tests/support/pg-cluster, fixture "postgres").
// Each TestDatabase is empty when made and removed when destroyed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/database.h"

namespace chorus::testing {

// A directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class TestDatabase {
 public:
  // Makes an empty database. Aborts the test binary with a clear message when the PostgreSQL
  // cluster is not running (run the tests through ctest, which starts it).
  static std::unique_ptr<TestDatabase> Create(store::Dialect dialect, int pool_size = 4);
  ~TestDatabase();

  store::Database& db() { return *db_; }
  store::Dialect dialect() const { return dialect_; }
  // "sqlite:/tmp/.../test.db" or a postgres URL: what `chorus --database` takes.
  const std::string& url() const { return url_; }
  // Opens a second, independent Database on the same data (another "process").
  std::unique_ptr<store::Database> OpenAnother(int pool_size = 4) const;

 private:
  TestDatabase() = default;
  store::Dialect dialect_ = store::Dialect::kSqlite;
  std::unique_ptr<TempDir> dir_;
  std::string url_;
  std::string pg_name_;
  std::unique_ptr<store::Database> db_;
};

// The URL of the running throwaway cluster's maintenance database.
std::string PostgresAdminUrl();
// A postgres URL for database `name` in the throwaway cluster.
std::string PostgresUrlFor(const std::string& name);

// Opens a database from a `--database` style URL, as the app does.
std::unique_ptr<store::Database> OpenDatabase(const std::string& url, int pool_size = 4);

// Names parameterised tests after the backend: "Backends/Suite.Test/sqlite".
std::string BackendName(const ::testing::TestParamInfo<store::Dialect>& info);

}  // namespace chorus::testing

namespace chorus::store {
// Test names read "…/sqlite  # GetParam() = sqlite" instead of a byte dump.
inline void PrintTo(Dialect dialect, std::ostream* os) { *os << DialectName(dialect); }
}  // namespace chorus::store

// Runs a TEST_P suite against every backend.
#define CHORUS_INSTANTIATE_FOR_BACKENDS(Suite)                                                             \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                               \
                           ::testing::Values(::chorus::store::Dialect::kSqlite,                           \
                                             ::chorus::store::Dialect::kPostgres),                        \
                           ::chorus::testing::BackendName)
