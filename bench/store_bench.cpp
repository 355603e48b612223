// Storage benchmark for the unified data model (issue 3), on one database per run:
//   migrate an empty database; bulk-insert N transcriptions over U users; then time
//   "latest 20 of one user" (keyset, first and next page), the per-user ranked search, and a
//   full-text query over all transcripts. Prints rates and p50/p99 latencies.
//
//   store_bench --database sqlite:/tmp/x.db|postgres://... [--rows 1000000] [--users 1000] [--queries 2000]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/ids.h"
#include "base/strings.h"
#include "base/time.h"
#include "store/migrate.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"
#include "store/transaction.h"
#include "store/transcriptions.h"

namespace chorus {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string database;
  int rows = 1000000;
  int users = 1000;
  int queries = 2000;
};

[[noreturn]] void Die(const std::string& message) {
  fmt::print(stderr, "store_bench: {}\n", message);
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Die(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

void Must(Status s, const char* what) {
  if (!s) Die(fmt::format("{}: {}", what, s.error().message));
}

// Transcript text: words drawn from a Zipf-like distribution over a 20,000-word vocabulary, so a
// few words are in most transcripts and most words are rare — like speech.
class TextMaker {
 public:
  TextMaker() : rng_(42) {
    static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "so", "pe", "vi", "da",
                                       "gu", "ho", "ze", "fa", "bo", "ni", "ke", "ma", "tu", "re"};
    for (int i = 0; i < 20000; ++i) {
      std::string w;
      int n = i;
      do {
        w += kSyllables[n % 20];
        n /= 20;
      } while (n > 0);
      vocabulary_.push_back(w + "n");
    }
    double total = 0;
    for (size_t i = 0; i < vocabulary_.size(); ++i) total += 1.0 / static_cast<double>(i + 1);
    double acc = 0;
    for (size_t i = 0; i < vocabulary_.size(); ++i) {
      acc += 1.0 / static_cast<double>(i + 1) / total;
      cumulative_.push_back(acc);
    }
  }
  std::string Text(int words) {
    std::string out;
    for (int i = 0; i < words; ++i) {
      if (i) out += ' ';
      out += vocabulary_[Pick()];
    }
    return out;
  }
  const std::string& Word(size_t rank) const { return vocabulary_[rank]; }
  std::mt19937_64& rng() { return rng_; }

 private:
  size_t Pick() {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return static_cast<size_t>(std::lower_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin());
  }
  std::mt19937_64 rng_;
  std::vector<std::string> vocabulary_;
  std::vector<double> cumulative_;
};

struct Latency {
  std::vector<double> micros;
  void Add(Clock::duration d) { micros.push_back(std::chrono::duration<double, std::micro>(d).count()); }
  double Percentile(double p) {
    std::sort(micros.begin(), micros.end());
    return micros[std::min(micros.size() - 1, static_cast<size_t>(p * static_cast<double>(micros.size())))];
  }
  void Print(const std::string& what) {
    fmt::print("  {:<52} p50 {:8.3f} ms   p99 {:8.3f} ms   ({} queries)\n", what, Percentile(0.50) / 1000,
               Percentile(0.99) / 1000, micros.size());
  }
};

std::unique_ptr<store::Database> Open(const std::string& url) {
  if (StartsWith(url, "sqlite:")) return Must(store::sqlite::Open({.path = url.substr(7), .readers = 2}), "open");
  return Must(store::postgres::Open({.url = url, .pool_size = 2}), "open");
}

std::vector<std::string> MakeUsers(store::Database& db, int n) {
  std::vector<std::string> ids;
  auto lease = Must(db.Acquire(store::Access::kWrite), "acquire");
  Must(lease->ExecuteScript("BEGIN"), "begin");
  for (int i = 0; i < n; ++i) {
    ids.push_back(NewUuidV7());
    Must(lease->Exec("INSERT INTO users (id, email, username, password_hash) VALUES ($1, $2, $3, 'x')", ids.back(),
                     fmt::format("user{}@bench.example", i), fmt::format("user{}", i)),
         "insert user");
  }
  Must(lease->ExecuteScript("COMMIT"), "commit");
  return ids;
}

// Multi-row INSERTs of `batch` rows, one transaction per statement: the bulk path Chorus's own
// importers and the job engine use.
double BulkInsert(store::Database& db, const std::vector<std::string>& users, int rows, TextMaker& text) {
  constexpr int kBatch = 500;
  std::string sql = "INSERT INTO transcriptions (id, user_id, status, transcript_text, duration, model, language, "
                    "created_at, completed_at) VALUES ";
  for (int i = 0; i < kBatch; ++i) {
    const int p = i * 9;
    sql += fmt::format("{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", i ? ", " : "", p + 1, p + 2, p + 3, p + 4,
                       p + 5, p + 6, p + 7, p + 8, p + 9);
  }
  auto lease = Must(db.Acquire(store::Access::kWrite), "acquire");
  // Rows are spread over the past year, in creation order.
  const auto start_time = std::chrono::system_clock::now() - std::chrono::hours(24 * 365);
  const auto step = std::chrono::milliseconds(24LL * 365 * 3600 * 1000 / rows);
  std::uniform_int_distribution<size_t> pick_user(0, users.size() - 1);
  std::uniform_int_distribution<int> length(12, 48);
  const auto started = Clock::now();
  for (int done = 0; done < rows; done += kBatch) {
    std::vector<store::Value> params;
    params.reserve(kBatch * 9);
    for (int i = 0; i < kBatch; ++i) {
      const std::string at = FormatTimestamp(start_time + step * (done + i));
      params.emplace_back(NewUuidV7());
      params.emplace_back(users[pick_user(text.rng())]);
      params.emplace_back("completed");
      params.emplace_back(text.Text(length(text.rng())));
      params.emplace_back(1.5 + (i % 90));
      params.emplace_back("pocketsphinx-en-us");
      params.emplace_back("en");
      params.emplace_back(at);
      params.emplace_back(at);
    }
    Must(store::Transact(*lease, store::Access::kWrite,
                         [&](store::Connection& c) -> Status {
                           CHORUS_TRY(c.Execute(sql, params));
                           return Ok();
                         }),
         "insert batch");
    if ((done / kBatch) % 200 == 0) fmt::print(stderr, "\r  inserted {} rows", done);
  }
  fmt::print(stderr, "\r");
  return rows / std::chrono::duration<double>(Clock::now() - started).count();
}

void Run(const Options& o) {
  auto db = Open(o.database);
  const auto dialect = db->dialect();
  fmt::print("== {} — {} transcriptions over {} users\n", store::DialectName(dialect), o.rows, o.users);

  auto t0 = Clock::now();
  Must(store::ApplyMigrations(*db, store::EmbeddedMigrations(dialect)), "migrate");
  fmt::print("  migrate an empty database: {:.0f} ms ({} migrations)\n",
             std::chrono::duration<double, std::milli>(Clock::now() - t0).count(),
             store::EmbeddedMigrations(dialect).size());

  TextMaker text;
  const auto users = MakeUsers(*db, o.users);
  const double rate = BulkInsert(*db, users, o.rows, text);
  fmt::print("  bulk insert (500 rows a statement, FTS indexed): {:.0f} rows/s\n", rate);
  if (dialect == store::Dialect::kPostgres) {
    auto lease = Must(db->Acquire(store::Access::kWrite), "acquire");
    Must(lease->ExecuteScript("VACUUM ANALYZE transcriptions"), "analyze");
  } else {
    auto lease = Must(db->Acquire(store::Access::kWrite), "acquire");
    Must(lease->ExecuteScript("ANALYZE"), "analyze");
  }

  auto reader = Must(db->Acquire(store::Access::kRead), "acquire");
  std::uniform_int_distribution<size_t> pick_user(0, users.size() - 1);
  Latency first_page, next_page;
  for (int i = 0; i < o.queries; ++i) {
    const auto& user = users[pick_user(text.rng())];
    auto start = Clock::now();
    auto page = Must(store::transcriptions::List(*reader, user, {}, {.limit = 20}), "list");
    first_page.Add(Clock::now() - start);
    start = Clock::now();
    auto second = Must(store::transcriptions::List(*reader, user, {}, {.limit = 20, .after = page.next_cursor}), "list");
    next_page.Add(Clock::now() - start);
    if (page.items.size() != 20 || second.items.size() != 20) Die("a user has fewer than 40 transcriptions");
  }
  first_page.Print("latest 20 of one user (keyset, first page)");
  next_page.Print("latest 20 of one user (keyset, from a cursor)");

  // Query words by frequency rank: common (rank 200), middling (2,000) and rare (15,000).
  for (size_t rank : {200, 2000, 15000}) {
    Latency per_user, global;
    const std::string& word = text.Word(rank);
    for (int i = 0; i < o.queries / 4; ++i) {
      const auto& user = users[pick_user(text.rng())];
      auto start = Clock::now();
      Must(store::transcriptions::Search(*reader, user, word, 20), "search");
      per_user.Add(Clock::now() - start);
      start = Clock::now();
      Must(store::transcriptions::SearchAll(*reader, word, 20), "global search");
      global.Add(Clock::now() - start);
    }
    auto rows = Must(reader->Exec(dialect == store::Dialect::kSqlite
                                      ? "SELECT COUNT(*) FROM transcriptions_fts WHERE transcriptions_fts MATCH $1"
                                      : "SELECT COUNT(*) FROM transcriptions WHERE search_vector @@ plainto_tsquery('english', $1)",
                                  dialect == store::Dialect::kSqlite ? "transcript_text:\"" + word + "\"" : word),
                     "count");
    const auto matches = rows[0].Int(0);
    per_user.Print(fmt::format("search one user's transcripts, word in {} docs", matches));
    global.Print(fmt::format("search all transcripts, top 20 of the latest {} of {} matches",
                             std::min<int64_t>(matches, store::transcriptions::kSearchAllCandidates), matches));
  }
}

}  // namespace
}  // namespace chorus

int main(int argc, char** argv) {
  chorus::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--database") o.database = argv[i + 1];
    else if (flag == "--rows") o.rows = std::atoi(argv[i + 1]);
    else if (flag == "--users") o.users = std::atoi(argv[i + 1]);
    else if (flag == "--queries") o.queries = std::atoi(argv[i + 1]);
  }
  if (o.database.empty()) chorus::Die("--database is required");
  chorus::Run(o);
}
