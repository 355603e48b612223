#include "store/sqlite/sqlite_database.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <unordered_map>

#include "store/pool.h"

namespace chorus::store::sqlite {
namespace {

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbDeleter>;

ErrorCode MapCode(int extended) {
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return ErrorCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return ErrorCode::kFailedPrecondition;
    case SQLITE_BUSY_SNAPSHOT:  // a read transaction tried to write over a newer snapshot: retry it
      return ErrorCode::kAborted;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
    case SQLITE_CONSTRAINT_TRIGGER:
      return ErrorCode::kInvalidArgument;
    default:
      break;
  }
  switch (extended & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return ErrorCode::kInvalidArgument;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return ErrorCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kDataLoss;
    default:
      return ErrorCode::kInternal;
  }
}

Unexpected ErrorFrom(sqlite3* db, int rc) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Unexpected(MapCode(extended), fmt::format("sqlite: {}", message));
}

// Rewrites $N placeholders to ?N (SQLite's numbered form) outside string literals, quoted
// identifiers and comments, so one statement text serves both dialects.
std::string ToSqlitePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(DbHandle db) : db_(std::move(db)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }
  bool Broken() const override { return false; }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }

  Result<Rows> Execute(std::string_view sql, std::span<const Value> params) override {
    CHORUS_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    // Reset on every exit so the statement releases its read snapshot and bindings.
    struct Resetter {
      sqlite3_stmt* s;
      ~Resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } resetter{stmt};
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      return Unexpected(ErrorCode::kInternal,
                        fmt::format("sqlite: statement takes {} parameters, {} given",
                                    sqlite3_bind_parameter_count(stmt), params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      CHORUS_TRY(Bind(stmt, static_cast<int>(i + 1), params[i]));
    }
    return Collect(stmt);
  }

  Status ExecuteScript(std::string_view sql) override {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return ErrorFrom(db_.get(), rc);
    return Ok();
  }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second.get();
    // Repositories use a bounded set of constant statements; a runaway cache means a caller is
    // building SQL dynamically, so start over rather than grow without bound.
    if (cache_.size() >= 512) cache_.clear();
    const std::string rewritten = ToSqlitePlaceholders(sql);
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), rewritten.c_str(), static_cast<int>(rewritten.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return ErrorFrom(db_.get(), rc);
    if (!raw) return Unexpected(ErrorCode::kInternal, "sqlite: empty statement");
    auto [pos, inserted] = cache_.emplace(std::string(sql), Statement(raw));
    return pos->second.get();
  }

  Status Bind(sqlite3_stmt* stmt, int index, const Value& value) {
    const int rc = std::visit(
        [&](const auto& x) -> int {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(stmt, index);
          else if constexpr (std::is_same_v<T, bool>) return sqlite3_bind_int64(stmt, index, x ? 1 : 0);
          else if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(stmt, index, x);
          else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, index, x);
          else if constexpr (std::is_same_v<T, std::string>)
            return sqlite3_bind_text64(stmt, index, x.data(), x.size(), SQLITE_STATIC, SQLITE_UTF8);
          else return sqlite3_bind_blob64(stmt, index, x.bytes.data(), x.bytes.size(), SQLITE_STATIC);
        },
        value.variant());
    if (rc != SQLITE_OK) return ErrorFrom(db_.get(), rc);
    return Ok();
  }

  Result<Rows> Collect(sqlite3_stmt* stmt) {
    const int width = sqlite3_column_count(stmt);
    std::vector<std::string> columns;
    columns.reserve(static_cast<size_t>(width));
    for (int c = 0; c < width; ++c) columns.emplace_back(sqlite3_column_name(stmt, c));
    Rows rows(std::move(columns));
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return ErrorFrom(db_.get(), rc);
      for (int c = 0; c < width; ++c) rows.Append(Cell(stmt, c));
    }
    rows.set_affected(sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes64(db_.get()));
    return rows;
  }

  static Value Cell(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER: return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
      case SQLITE_FLOAT: return Value(sqlite3_column_double(stmt, c));
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return Value(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
      }
      case SQLITE_BLOB: {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        return Value(Blob{std::string(data ? data : "", static_cast<size_t>(sqlite3_column_bytes(stmt, c)))});
      }
      default: return Value();
    }
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  DbHandle db_;
  std::unordered_map<std::string, Statement, Hash, std::equal_to<>> cache_;
};

// Process-wide settings, before SQLite initialises (sqlite3_config is refused after). Without memory
// statistics, every allocation SQLite makes skips a global mutex: a dozen per usage row written.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

Result<std::unique_ptr<Connection>> OpenConnection(const Settings& settings, bool writer) {
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(settings.path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    return Unexpected(ErrorCode::kUnavailable,
                      fmt::format("sqlite: cannot open {}: {}", settings.path, raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(settings.busy_timeout.count()));
  // temp_store: statement journals (multi-row INSERTs inside a transaction) stay in memory instead
  // of a temp file written a page at a time.
  std::string pragmas = fmt::format("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA synchronous = {};",
                                    settings.synchronous_full ? "FULL" : "NORMAL");
  pragmas += writer ? "PRAGMA journal_mode = WAL;" : "PRAGMA query_only = ON;";
  auto connection = std::make_unique<SqliteConnection>(std::move(db));
  if (auto s = connection->ExecuteScript(pragmas); !s) {
    return Unexpected(ErrorCode::kUnavailable,
                      fmt::format("sqlite: cannot use {}: {}", settings.path, s.error().message));
  }
  return std::unique_ptr<Connection>(std::move(connection));
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const Settings& settings)
      : settings_(settings),
        writer_("writer", 1, settings.busy_timeout, [s = settings] { return OpenConnection(s, true); }),
        readers_("reader", static_cast<size_t>(std::max(1, settings.readers)), settings.busy_timeout,
                 [s = settings] { return OpenConnection(s, false); }) {}

  Status Warm() { return writer_.Warm(); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<ConnectionLease> Acquire(Access access) override {
    return access == Access::kWrite ? writer_.Acquire() : readers_.Acquire();
  }

  std::vector<PoolStats> Stats() const override { return {writer_.Stats(), readers_.Stats()}; }

  std::string Describe() const override { return "sqlite:" + settings_.path; }

 private:
  const Settings settings_;
  ConnectionPool writer_;
  ConnectionPool readers_;
};

}  // namespace

Result<std::unique_ptr<Database>> Open(const Settings& settings) {
  auto db = std::make_unique<SqliteDatabase>(settings);
  CHORUS_TRY(db->Warm());  // opens the file, switches it to WAL, fails early on a bad path
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace chorus::store::sqlite
