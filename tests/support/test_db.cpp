#include "tests/support/test_db.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/ids.h"
#include "base/random.h"
#include "base/strings.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"

namespace chorus::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "test database: %s\n", message.c_str());
  std::abort();
}

}  // namespace

TempDir::TempDir() {
  path_ = std::filesystem::temp_directory_path() /
          ("chorus-test-" + HexEncode(SecureRandomString(8)));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string PostgresAdminUrl() {
  const char* file = std::getenv("CHORUS_TEST_PG_URL_FILE");
  if (!file) Die("CHORUS_TEST_PG_URL_FILE is not set; run the tests through ctest (make test)");
  std::ifstream in(file);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    Die(std::string("no PostgreSQL test cluster URL in ") + file + "; the pg-cluster fixture did not run");
  }
  return url;
}

std::string PostgresUrlFor(const std::string& name) {
  std::string url = PostgresAdminUrl();
  const auto slash = url.find("@/");
  const auto query = url.find('?');
  return url.substr(0, slash + 2) + name + url.substr(query);
}

std::unique_ptr<store::Database> OpenDatabase(const std::string& url, int pool_size) {
  Result<std::unique_ptr<store::Database>> db = Unexpected(ErrorCode::kInternal, "unset");
  if (StartsWith(url, "sqlite:")) {
    db = store::sqlite::Open({.path = url.substr(7), .readers = pool_size});
  } else {
    db = store::postgres::Open({.url = url, .pool_size = pool_size});
  }
  if (!db) Die("cannot open " + url + ": " + db.error().message);
  return std::move(*db);
}

std::unique_ptr<TestDatabase> TestDatabase::Create(store::Dialect dialect, int pool_size) {
  std::unique_ptr<TestDatabase> t(new TestDatabase());
  t->dialect_ = dialect;
  if (dialect == store::Dialect::kSqlite) {
    t->dir_ = std::make_unique<TempDir>();
    t->url_ = "sqlite:" + (t->dir_->path() / "test.db").string();
  } else {
    t->pg_name_ = "t_" + HexEncode(SecureRandomString(8));
    auto admin = OpenDatabase(PostgresAdminUrl(), 1);
    auto lease = admin->Acquire(store::Access::kWrite);
    if (!lease) Die(lease.error().message);
    if (auto made = (*lease)->ExecuteScript("CREATE DATABASE " + t->pg_name_); !made) Die(made.error().message);
    t->url_ = PostgresUrlFor(t->pg_name_);
  }
  t->db_ = OpenDatabase(t->url_, pool_size);
  return t;
}

std::unique_ptr<store::Database> TestDatabase::OpenAnother(int pool_size) const {
  return OpenDatabase(url_, pool_size);
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!pg_name_.empty()) {
    auto admin = OpenDatabase(PostgresAdminUrl(), 1);
    auto lease = admin->Acquire(store::Access::kWrite);
    if (lease) (void)(*lease)->ExecuteScript("DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)");
  }
}

std::string BackendName(const ::testing::TestParamInfo<store::Dialect>& info) {
  return store::DialectName(info.param);
}

}  // namespace chorus::testing
