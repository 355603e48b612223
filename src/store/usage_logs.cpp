#include "store/usage_logs.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <chrono>
#include <iterator>

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"
#include "store/transaction.h"

namespace chorus::store::usage_logs {
namespace {

constexpr const char* kColumns =
    "id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost, latency_ms, status, "
    "created_at";
constexpr size_t kParamsPerRow = 11;

UsageLogRow FromRow(Row r) {
  UsageLogRow u;
  u.id = r.Text(0);
  u.user_id = r.Text(1);
  u.conversation_id = r.OptText(2);
  u.provider = r.Text(3);
  u.model = r.Text(4);
  u.input_tokens = r.Int(5);
  u.output_tokens = r.Int(6);
  u.cost = r.OptDouble(7);
  u.latency_ms = r.OptInt(8);
  if (auto status = r.OptInt(9)) u.status = static_cast<int>(*status);
  u.created_at = r.Text(10);
  return u;
}

// One INSERT of `n` rows. A row without created_at gets the database's now, as the column default
// would (a multi-row VALUES list cannot say DEFAULT on SQLite).
std::string BuildInsertSql(Dialect dialect, size_t n) {
  const char* now = dialect == Dialect::kSqlite ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" : "now()";
  std::string sql = fmt::format("INSERT INTO usage_logs ({}) VALUES ", kColumns);
  auto out = std::back_inserter(sql);
  for (size_t i = 0; i < n; ++i) {
    const size_t b = i * kParamsPerRow;
    fmt::format_to(out, "{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, COALESCE(${}, {}))", i ? ", " : "",
                   b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, now);
  }
  return sql;
}

// The statement for `n` rows, built once: a batch is kInsertBatchRows rows or a power of two below.
const std::string& InsertSql(Dialect dialect, size_t n) {
  using Table = std::array<std::string, 8>;  // kInsertBatchRows, then 1, 2, 4, ... 64
  auto build = [](Dialect d) {
    Table t;
    t[0] = BuildInsertSql(d, kInsertBatchRows);
    for (size_t i = 1; i < t.size(); ++i) t[i] = BuildInsertSql(d, size_t{1} << (i - 1));
    return t;
  };
  static const Table sqlite = build(Dialect::kSqlite);
  static const Table postgres = build(Dialect::kPostgres);
  const Table& table = dialect == Dialect::kSqlite ? sqlite : postgres;
  const size_t index = n == kInsertBatchRows ? 0 : 1 + static_cast<size_t>(std::countr_zero(n));
  return table.at(index);
}

Status Insert(Connection& conn, std::span<const UsageLogRow> rows) {
  std::vector<Value> params;
  params.reserve(rows.size() * kParamsPerRow);
  for (const UsageLogRow& u : rows) {
    Value created_at;
    if (u.at) {
      created_at = FormatTimestamp(*u.at);
    } else if (!u.created_at.empty()) {
      auto t = ParseTimestamp(u.created_at);
      if (!t) return Unexpected(ErrorCode::kInvalidArgument, "created_at is not a timestamp.", "created_at");
      created_at = FormatTimestamp(*t);
    }
    params.insert(params.end(), {NewUuidV7(), u.user_id, u.conversation_id, u.provider, u.model, u.input_tokens,
                                 u.output_tokens, u.cost, u.latency_ms, u.status, std::move(created_at)});
  }
  CHORUS_TRY(conn.Execute(InsertSql(conn.dialect(), rows.size()), params));
  return Ok();
}

Result<int64_t> InsertAll(Connection& conn, std::span<const UsageLogRow> rows) {
  size_t done = 0;
  while (done < rows.size()) {
    const size_t left = rows.size() - done;
    const size_t n = left >= kInsertBatchRows ? kInsertBatchRows : std::bit_floor(left);
    CHORUS_TRY(Insert(conn, rows.subspan(done, n)));
    done += n;
  }
  return static_cast<int64_t>(done);
}

// "2026-11-26" -> its midnight (UTC), or nothing for anything else.
std::optional<SystemTime> ParseDate(std::string_view date) {
  if (date.size() != 10) return std::nullopt;
  auto t = ParseTimestamp(std::string(date) + "T00:00:00.000Z");
  if (!t || FormatDate(*t) != date) return std::nullopt;
  return t;
}

}  // namespace

Result<int64_t> InsertMany(Connection& conn, std::span<const UsageLogRow> rows) {
  if (rows.empty()) return int64_t{0};
  if (conn.InTransaction()) return InsertAll(conn, rows);
  return Transact(conn, Access::kWrite, [&](Connection& c) { return InsertAll(c, rows); });
}

Result<std::vector<DailyModelUsage>> DailyByModel(Connection& conn, std::string_view user_id,
                                                  std::string_view from_date, std::string_view to_date) {
  const auto from = ParseDate(from_date);
  if (!from) return Unexpected(ErrorCode::kInvalidArgument, "from is not a date (YYYY-MM-DD).", "from");
  const auto to = ParseDate(to_date);
  if (!to) return Unexpected(ErrorCode::kInvalidArgument, "to is not a date (YYYY-MM-DD).", "to");
  std::vector<DailyModelUsage> out;
  if (!IsUuid(user_id) || *to < *from) return out;
  // A range of created_at (served by idx_usage_logs_user_id), then the UTC day of each row: SQLite
  // stores "YYYY-MM-DDT...Z", PostgreSQL's session time zone is UTC.
  const char* day = conn.dialect() == Dialect::kSqlite ? "substr(created_at, 1, 10)" : "to_char(created_at, 'YYYY-MM-DD')";
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("SELECT {} AS day, model, provider, COUNT(*), SUM(input_tokens), SUM(output_tokens), "
                            "COALESCE(SUM(cost), 0) FROM usage_logs "
                            "WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 "
                            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                            day),
                user_id, FormatTimestamp(*from), FormatTimestamp(*to + std::chrono::hours(24))));
  for (Row r : rows) {
    out.push_back(DailyModelUsage{r.Text(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4), r.Int(5), r.Double(6)});
  }
  return out;
}

Result<Page<UsageLogRow>> List(Connection& conn, std::string_view user_id, const PageRequest& page) {
  if (!IsUuid(user_id)) return Page<UsageLogRow>{};
  Query q(fmt::format("SELECT {} FROM usage_logs WHERE ", kColumns));
  q.Add("user_id = ?", {user_id});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<UsageLogRow> items;
  for (Row r : rows) items.push_back(FromRow(r));
  return MakePage(std::move(items), limit, [](const UsageLogRow& u) { return Cursor{u.created_at, u.id}; });
}

}  // namespace chorus::store::usage_logs
