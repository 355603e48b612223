#include "store/postgres/postgres_database.h"

#include <fmt/format.h>

#include <charconv>
#include <unordered_map>

#include "base/strings.h"
#include "base/time.h"
#include "store/pool.h"
#include "store/postgres/libpq.h"

namespace chorus::store::postgres {
namespace {

// The loaded libpq; Open() refuses to build a database until it has loaded.
const LibPq& Pq() { return *LoadLibPq(nullptr); }

// Type OIDs from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTimestampOid = 1114;
constexpr Oid kTimestampTzOid = 1184;

struct ResultDeleter {
  void operator()(PGresult* r) const { Pq().clear(r); }
};
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { Pq().finish(c); }
};
using ConnHandle = std::unique_ptr<PGconn, ConnDeleter>;

ErrorCode MapSqlState(std::string_view state) {
  if (state == "23505") return ErrorCode::kAlreadyExists;
  if (state == "23503") return ErrorCode::kFailedPrecondition;
  if (state == "23514" || state == "23502" || state == "23P01") return ErrorCode::kInvalidArgument;
  if (state == "40001" || state == "40P01") return ErrorCode::kAborted;
  if (state == "57014") return ErrorCode::kDeadlineExceeded;
  if (state == "55P03") return ErrorCode::kUnavailable;  // lock not available
  const std::string_view klass = state.substr(0, 2);
  if (klass == "22") return ErrorCode::kInvalidArgument;  // data exception
  if (klass == "08" || klass == "53" || klass == "57") return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

std::string FirstLine(const char* text) {
  std::string_view s = text ? text : "";
  return std::string(s.substr(0, s.find('\n')));
}

Unexpected ErrorFrom(PGconn* conn, const PGresult* result) {
  if (!result || Pq().status(conn) != CONNECTION_OK) {
    return Unexpected(ErrorCode::kUnavailable, fmt::format("postgres: {}", FirstLine(Pq().error_message(conn))));
  }
  const char* state = Pq().result_error_field(result, PG_DIAG_SQLSTATE);
  const char* constraint = Pq().result_error_field(result, PG_DIAG_CONSTRAINT_NAME);
  std::string message = fmt::format("postgres: {}", FirstLine(Pq().result_error_message(result)));
  if (constraint) message += fmt::format(" (constraint {})", constraint);
  return Unexpected(MapSqlState(state ? state : ""), std::move(message));
}

bool Succeeded(const PGresult* r) {
  const auto status = Pq().result_status(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

Value Cell(const PGresult* r, int row, int col) {
  if (Pq().getisnull(r, row, col)) return Value();
  const char* text = Pq().getvalue(r, row, col);
  const auto len = static_cast<size_t>(Pq().getlength(r, row, col));
  switch (Pq().ftype(r, col)) {
    case kBoolOid: return Value(text[0] == 't');
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t n = 0;
      std::from_chars(text, text + len, n);
      return Value(n);
    }
    case kFloat4Oid:
    case kFloat8Oid: return Value(std::strtod(text, nullptr));
    case kTimestampOid:
    case kTimestampTzOid: {
      // "2026-11-26 14:07:45.12+00" -> "2026-11-26T14:07:45.120Z", the text SQLite stores, so
      // timestamps read the same from both backends (the session time zone is UTC).
      const std::string_view raw(text, len);
      if (auto t = ParseTimestamp(raw)) return Value(FormatTimestamp(*t));
      return Value(std::string(raw));  // infinity and the like stay as PostgreSQL wrote them
    }
    case kByteaOid: {
      size_t out_len = 0;
      unsigned char* bytes = Pq().unescape_bytea(reinterpret_cast<const unsigned char*>(text), &out_len);
      Value v(Blob{std::string(reinterpret_cast<const char*>(bytes), out_len)});
      Pq().freemem(bytes);
      return v;
    }
    default: return Value(std::string(text, len));
  }
}

// Text (or, for blobs, binary) forms of the parameters, kept alive for one call.
struct Params {
  explicit Params(std::span<const Value> params) {
    texts.reserve(params.size());
    for (const Value& p : params) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            int format = 0;
            if constexpr (std::is_same_v<T, std::monostate>) texts.emplace_back();
            else if constexpr (std::is_same_v<T, bool>) texts.emplace_back(x ? "t" : "f");
            else if constexpr (std::is_same_v<T, int64_t>) texts.emplace_back(std::to_string(x));
            else if constexpr (std::is_same_v<T, double>) texts.emplace_back(fmt::format("{}", x));
            else if constexpr (std::is_same_v<T, std::string>) texts.emplace_back(x);
            else {
              texts.emplace_back(x.bytes);
              format = 1;
            }
            formats.push_back(format);
          },
          p.variant());
    }
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(params[i].IsNull() ? nullptr : texts[i].c_str());
      lengths.push_back(static_cast<int>(texts[i].size()));
    }
  }
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(ConnHandle conn) : conn_(std::move(conn)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }
  bool Broken() const override { return poisoned_ || Pq().status(conn_.get()) != CONNECTION_OK; }
  bool InTransaction() const override {
    if (!pending_begin_.empty()) return true;
    const auto status = Pq().transaction_status(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
  }

  Result<Rows> Execute(std::string_view sql, std::span<const Value> params) override {
    auto result = Run(sql, params);
    if (!result) return Unexpected(std::move(result).error());
    const PGresult* r = result->get();
    const int width = Pq().nfields(r);
    std::vector<std::string> columns;
    columns.reserve(static_cast<size_t>(width));
    for (int c = 0; c < width; ++c) columns.emplace_back(Pq().fname(r, c));
    Rows rows(std::move(columns));
    const int height = Pq().ntuples(r);
    for (int row = 0; row < height; ++row) {
      for (int c = 0; c < width; ++c) rows.Append(Cell(r, row, c));
    }
    const char* affected = Pq().cmd_tuples(result->get());
    rows.set_affected(affected && *affected ? std::strtoll(affected, nullptr, 10) : 0);
    return rows;
  }

  // BEGIN is not sent on its own: it travels with the transaction's first statement (see
  // RunAfterBegin), which saves a round trip per transaction. A transaction that ends before its
  // first statement never reaches the server.
  Status ExecuteScript(std::string_view sql) override {
    const bool begin = StartsWith(sql, "BEGIN") && sql.find(';') == std::string_view::npos;
    if (begin && pending_begin_.empty() && !InTransaction()) {
      pending_begin_ = std::string(sql);
      return Ok();
    }
    if (!pending_begin_.empty() && (sql == "COMMIT" || sql == "ROLLBACK")) {
      pending_begin_.clear();
      return Ok();
    }
    std::string text(sql);
    if (!pending_begin_.empty()) text = std::exchange(pending_begin_, {}) + "; " + text;  // one simple query
    ResultHandle r(Pq().exec(conn_.get(), text.c_str()));
    if (!r || !Succeeded(r.get())) return ErrorFrom(conn_.get(), r.get());
    return Ok();
  }

 private:
  Result<ResultHandle> Run(std::string_view sql, std::span<const Value> params) {
    CHORUS_ASSIGN_OR_RETURN(std::string name, Prepare(sql));
    Params p(params);
    ResultHandle r;
    if (!pending_begin_.empty()) {
      CHORUS_ASSIGN_OR_RETURN(r, RunAfterBegin(name, p, static_cast<int>(params.size())));
    } else {
      r.reset(Pq().exec_prepared(conn_.get(), name.c_str(), static_cast<int>(params.size()), p.values.data(),
                                 p.lengths.data(), p.formats.data(), 0));
    }
    if (r && Succeeded(r.get())) return r;
    const char* state = r ? Pq().result_error_field(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::string_view(state) == "26000") {
      // The server no longer has the statement (e.g. DISCARD ALL by a pooler): forget the cache.
      cache_.clear();
    }
    return ErrorFrom(conn_.get(), r.get());
  }

  // Sends the pending BEGIN and the statement together in libpq's pipeline mode: one round trip.
  // Returns the statement's result (an error result when it failed; the transaction is then
  // open and aborted, as after any failed statement).
  Result<ResultHandle> RunAfterBegin(const std::string& name, const Params& p, int count) {
    PGconn* c = conn_.get();
    const std::string begin = std::exchange(pending_begin_, {});
    auto lost = [c] { return Unexpected(ErrorCode::kUnavailable, "postgres: " + FirstLine(Pq().error_message(c))); };
    if (Pq().enter_pipeline_mode(c) != 1) return lost();
    const bool sent = Pq().send_query_params(c, begin.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
                      Pq().send_query_prepared(c, name.c_str(), count, p.values.data(), p.lengths.data(),
                                               p.formats.data(), 0) == 1 &&
                      Pq().pipeline_sync(c) == 1;
    // Each query's results end with a null; then comes the sync.
    auto next = [c] {
      ResultHandle first(Pq().get_result(c));
      while (PGresult* extra = Pq().get_result(c)) Pq().clear(extra);
      return first;
    };
    ResultHandle begun, result;
    if (sent) {
      begun = next();
      result = next();
      ResultHandle sync(Pq().get_result(c));
    }
    if (Pq().exit_pipeline_mode(c) != 1) poisoned_ = true;  // results left unread: drop the connection
    if (!sent || !begun || poisoned_) return lost();
    if (!Succeeded(begun.get())) return ErrorFrom(c, begun.get());
    return result;
  }

  Result<std::string> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= 512) {
      ResultHandle d(Pq().exec(conn_.get(), "DEALLOCATE ALL"));
      cache_.clear();
    }
    std::string name = fmt::format("chorus_{}", next_id_++);
    const std::string text(sql);
    ResultHandle r(Pq().prepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr));
    if (!r || !Succeeded(r.get())) return ErrorFrom(conn_.get(), r.get());
    cache_.emplace(text, name);
    return name;
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  ConnHandle conn_;
  std::string pending_begin_;  // a BEGIN not sent yet
  bool poisoned_ = false;      // left in a state no statement can follow
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> cache_;
  uint64_t next_id_ = 0;
};

Result<ConnHandle> RawConnect(const Settings& settings) {
  const std::string timeout = std::to_string(std::max<int64_t>(1, settings.connect_timeout.count() / 1000));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", "client_encoding", nullptr};
  const char* values[] = {settings.url.c_str(), timeout.c_str(), "chorus", "UTF8", nullptr};
  ConnHandle conn(Pq().connectdb_params(keys, values, /*expand_dbname=*/1));
  if (!conn || Pq().status(conn.get()) != CONNECTION_OK) {
    return Unexpected(ErrorCode::kUnavailable,
                      fmt::format("postgres: cannot connect to {}: {}", RedactUrl(settings.url),
                                  conn ? FirstLine(Pq().error_message(conn.get())) : "out of memory"));
  }
  return conn;
}

Result<std::unique_ptr<Connection>> Connect(const Settings& settings) {
  CHORUS_ASSIGN_OR_RETURN(ConnHandle conn, RawConnect(settings));
  auto connection = std::make_unique<PostgresConnection>(std::move(conn));
  // UTC everywhere, so TIMESTAMPTZ values read back the same on every node. Chorus never leaves a
  // transaction idle between statements, so one idle for a minute belongs to a frozen or stuck
  // process: the server ends it, and its locks (a job row, say) stop blocking everyone else.
  CHORUS_TRY(connection->ExecuteScript("SET TIME ZONE 'UTC'; SET idle_in_transaction_session_timeout = '60s'"));
  return std::unique_ptr<Connection>(std::move(connection));
}

class PostgresListener final : public Listener {
 public:
  explicit PostgresListener(ConnHandle conn) : conn_(std::move(conn)) {}
  int fd() const override { return Pq().socket(conn_.get()); }
  Result<int> Drain() override {
    if (Pq().consume_input(conn_.get()) != 1 || Pq().status(conn_.get()) != CONNECTION_OK) {
      return Unexpected(ErrorCode::kUnavailable, "postgres: listener connection lost");
    }
    int count = 0;
    while (PGnotify* n = Pq().notifies(conn_.get())) {
      ++count;
      Pq().freemem(n);
    }
    return count;
  }

 private:
  ConnHandle conn_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(const Settings& settings)
      : settings_(settings),
        pool_("pool", static_cast<size_t>(std::max(1, settings.pool_size)), settings.acquire_timeout,
              [s = settings] { return Connect(s); }) {}

  Status Warm() { return pool_.Warm(); }
  Dialect dialect() const override { return Dialect::kPostgres; }
  Result<ConnectionLease> Acquire(Access) override { return pool_.Acquire(); }
  std::vector<PoolStats> Stats() const override { return {pool_.Stats()}; }
  std::string Describe() const override { return RedactUrl(settings_.url); }

  Result<std::unique_ptr<Listener>> Listen(std::string_view channel) override {
    CHORUS_ASSIGN_OR_RETURN(ConnHandle conn, RawConnect(settings_));
    // The channel is a constant of the caller's (identifiers cannot be bound as parameters).
    const std::string sql = "LISTEN " + std::string(channel);
    ResultHandle r(Pq().exec(conn.get(), sql.c_str()));
    if (!r || !Succeeded(r.get())) return ErrorFrom(conn.get(), r.get());
    return std::unique_ptr<Listener>(std::make_unique<PostgresListener>(std::move(conn)));
  }

 private:
  const Settings settings_;
  ConnectionPool pool_;
};

}  // namespace

std::string RedactUrl(const std::string& url) {
  // postgres://user:secret@host/db?password=x&sslmode=y -> postgres://user@host/db?sslmode=y
  std::string out = url;
  const auto scheme = out.find("://");
  const auto authority_end = out.find_first_of("/?", scheme == std::string::npos ? 0 : scheme + 3);
  const auto at = out.rfind('@', authority_end);
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
  }
  for (auto pos = out.find("password="); pos != std::string::npos; pos = out.find("password=")) {
    auto end = out.find('&', pos);
    const bool first = pos > 0 && out[pos - 1] == '?';
    if (end == std::string::npos) {
      out.erase(first ? pos - 1 : pos - 1);  // drop "?password=..." or "&password=..."
    } else {
      out.erase(pos, end + 1 - pos);
    }
  }
  return out;
}

Result<std::unique_ptr<Database>> Open(const Settings& settings) {
  std::string why;
  if (!LoadLibPq(&why)) return Unexpected(ErrorCode::kUnavailable, "postgres: " + why);
  auto db = std::make_unique<PostgresDatabase>(settings);
  CHORUS_TRY(db->Warm());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace chorus::store::postgres
