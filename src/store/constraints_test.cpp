// Constraints of the unified schema, the same on both databases: cascades delete what the seeds
// say, CHECKs reject bad rows, unique constraints hold, updated_at follows updates, and the
// full-text indexes follow inserts, updates and deletes.
#include <gtest/gtest.h>

#include <thread>

#include "base/ids.h"
#include "store/transcriptions.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

class ConstraintsFixture : public testing::MigratedDatabaseTest {
 protected:
  // An array in the dialect's form: PostgreSQL array literal or SQLite JSON array.
  std::string Array(const std::vector<std::string>& items, bool quote) {
    const bool pg = dialect() == Dialect::kPostgres;
    std::string out = pg ? "{" : "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += quote ? "\"" + items[i] + "\"" : items[i];
    }
    return out + (pg ? "}" : "]");
  }

  Result<Rows> InsertTrack(const std::string& user, const std::string& id, const std::string& url, double duration) {
    return Write()->Exec("INSERT INTO audio_tracks (id, user_id, url, text, duration) VALUES ($1, $2, $3, $4, $5)", id,
                         user, url, "Hello", duration);
  }

  Result<Rows> InsertAlignment(const std::string& track, std::vector<std::string> chars,
                               std::vector<std::string> starts, std::vector<std::string> ends) {
    return Write()->Exec(
        "INSERT INTO audio_alignments (id, track_id, characters, start_times, end_times) VALUES ($1, $2, $3, $4, $5)",
        NewUuidV7(), track, Array(chars, true), Array(starts, false), Array(ends, false));
  }
};

TEST_P(ConstraintsFixture, DeletingAUserCascadesToEverythingTheyOwn) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  const std::string conversation = NewUuidV7(), message = NewUuidV7(), track = NewUuidV7(), news = NewUuidV7();
  for (const auto& owner : {alice, bob}) {
    Exec("INSERT INTO sessions (id, user_id, token_hash, expires_at) VALUES ('" + NewUuidV7() + "', '" + owner +
         "', '" + std::string(64, owner == alice ? 'a' : 'b') + "', '2099-01-01T00:00:00.000Z')");
    ASSERT_TRUE(transcriptions::Create(*Write(), owner, {}));
  }
  Exec("INSERT INTO conversations (id, user_id, model) VALUES ('" + conversation + "', '" + alice + "', 'gpt-4o')");
  Exec("INSERT INTO messages (id, conversation_id, role, content) VALUES ('" + message + "', '" + conversation +
       "', 'user', 'hi')");
  Exec("INSERT INTO tool_executions (id, message_id, conversation_id, tool_name, parameters) VALUES ('" + NewUuidV7() +
       "', '" + message + "', '" + conversation + "', 'search', '{}')");
  ASSERT_TRUE(InsertTrack(alice, track, "https://cdn.example/a.mp3", 1.5));
  ASSERT_TRUE(InsertAlignment(track, {"H", "i"}, {"0", "0.1"}, {"0.1", "0.2"}));
  Exec("INSERT INTO news_history (id, user_id, headline, content) VALUES ('" + news + "', '" + alice +
       "', 'Headline', 'Body')");
  Exec("INSERT INTO media_assets (id, news_id, type, url) VALUES ('" + NewUuidV7() + "', '" + news +
       "', 'image', 'https://cdn.example/i.png')");

  Exec("DELETE FROM users WHERE id = '" + alice + "'");
  for (const char* table : {"sessions", "transcriptions"}) EXPECT_EQ(Count(table), 1) << table << ": bob's row stays";
  for (const char* table : {"conversations", "messages", "tool_executions", "audio_tracks", "audio_alignments",
                            "news_history", "media_assets"}) {
    EXPECT_EQ(Count(table), 0) << table;
  }
}

TEST_P(ConstraintsFixture, DeletingAConversationCascadesToItsMessagesAndTools) {
  const std::string alice = MakeUser("alice"), conversation = NewUuidV7(), message = NewUuidV7();
  Exec("INSERT INTO conversations (id, user_id, model) VALUES ('" + conversation + "', '" + alice + "', 'm')");
  Exec("INSERT INTO messages (id, conversation_id, role, content) VALUES ('" + message + "', '" + conversation +
       "', 'assistant', 'ok')");
  Exec("INSERT INTO context_optimizations (id, conversation_id, trigger_reason, optimization_type, tokens_before, "
       "tokens_after) VALUES ('" + NewUuidV7() + "', '" + conversation + "', 'token_limit', 'truncation', 900, 400)");
  Exec("DELETE FROM conversations WHERE id = '" + conversation + "'");
  EXPECT_EQ(Count("messages"), 0);
  EXPECT_EQ(Count("context_optimizations"), 0);
  EXPECT_EQ(Count("users"), 1);
}

TEST_P(ConstraintsFixture, SeedChecksRejectBadRows) {
  const std::string alice = MakeUser("alice");
  const std::string track = NewUuidV7();
  ASSERT_TRUE(InsertTrack(alice, track, "https://cdn.example/a.mp3", 2.5));

  struct Case {
    const char* what;
    Result<Rows> result;
  };
  std::vector<Case> cases;
  cases.push_back({"valid_duration: zero", InsertTrack(alice, NewUuidV7(), "https://x.example/a", 0)});
  cases.push_back({"valid_duration: negative", InsertTrack(alice, NewUuidV7(), "https://x.example/a", -1)});
  cases.push_back({"valid_url: ftp", InsertTrack(alice, NewUuidV7(), "ftp://x.example/a", 1)});
  cases.push_back({"valid_url: relative", InsertTrack(alice, NewUuidV7(), "/files/a.mp3", 1)});
  cases.push_back({"valid_alignment: short start_times", InsertAlignment(track, {"a", "b"}, {"0"}, {"0.1", "0.2"})});
  cases.push_back({"valid_alignment: long end_times", InsertAlignment(track, {"a"}, {"0"}, {"0.1", "0.2"})});
  cases.push_back({"valid_times: ends before start", InsertAlignment(track, {"a", "b"}, {"0", "0.2"}, {"0.1", "0.1"})});
  cases.push_back({"valid_times: starts go back", InsertAlignment(track, {"a", "b"}, {"0.5", "0.1"}, {"0.6", "0.2"})});
  cases.push_back({"valid_status", Write()->Exec("INSERT INTO audio_generation_history (id, user_id, voice_id, "
                                                 "model_id, status) VALUES ($1, $2, 'v', 'm', 'done')",
                                                 NewUuidV7(), alice)});
  cases.push_back({"transcription status", Write()->Exec("INSERT INTO transcriptions (id, user_id, status) "
                                                         "VALUES ($1, $2, 'finished')",
                                                         NewUuidV7(), alice)});
  cases.push_back({"transcription negative duration", Write()->Exec("INSERT INTO transcriptions (id, user_id, "
                                                                    "duration) VALUES ($1, $2, -3.5)",
                                                                    NewUuidV7(), alice)});
  cases.push_back({"confidence above 1", Write()->Exec("INSERT INTO transcriptions (id, user_id, confidence) "
                                                       "VALUES ($1, $2, 1.5)",
                                                       NewUuidV7(), alice)});
  cases.push_back({"unknown role", Write()->Exec("UPDATE users SET access_role = 'root' WHERE id = $1", alice)});
  cases.push_back({"negative credits", Write()->Exec("UPDATE users SET credits = -1 WHERE id = $1", alice)});
  cases.push_back({"registered without password",
                   Write()->Exec("INSERT INTO users (id, email, username) VALUES ($1, 'x@y.z', 'xyz')", NewUuidV7())});
  cases.push_back({"generation short_id", Write()->Exec("INSERT INTO generations (short_id, user_id, media_type) "
                                                        "VALUES ('short', $1, 'image')",
                                                        alice)});
  cases.push_back({"generation media type", Write()->Exec("INSERT INTO generations (short_id, user_id, media_type) "
                                                          "VALUES ('abcdefghijk', $1, 'audio')",
                                                          alice)});
  cases.push_back({"settings not an object", Write()->Exec("INSERT INTO user_settings (user_id, settings_json) "
                                                           "VALUES ($1, '[1,2]')",
                                                           alice)});
  cases.push_back({"subscription plan", Write()->Exec("INSERT INTO subscriptions (id, user_id, plan, status, "
                                                      "start_date) VALUES ($1, $2, 'gold', 'active', $3)",
                                                      NewUuidV7(), alice, "2026-01-01T00:00:00.000Z")});
  cases.push_back({"credit spend with positive amount",
                   Write()->Exec("INSERT INTO credit_transactions (user_id, amount, balance_after, type) "
                                 "VALUES ($1, 5, 15, 'spend')",
                                 alice)});
  for (auto& c : cases) {
    ASSERT_FALSE(c.result) << c.what << " was accepted";
    EXPECT_EQ(c.result.error().code, ErrorCode::kInvalidArgument) << c.what << ": " << c.result.error().message;
  }
  EXPECT_EQ(Count("audio_tracks"), 1);
  EXPECT_EQ(Count("audio_alignments"), 0);
  EXPECT_TRUE(InsertAlignment(track, {"H", "i", "!"}, {"0", "0.1", "0.1"}, {"0.1", "0.2", "0.25"}))
      << "a valid alignment, with a zero-length gap, is accepted";
}

TEST_P(ConstraintsFixture, UniqueConstraintsHold) {
  const std::string alice = MakeUser("alice");
  auto upper = Write()->Exec("INSERT INTO users (id, email, username, password_hash) VALUES ($1, $2, $3, 'h')",
                             NewUuidV7(), "ALICE@example.com", "someone");
  ASSERT_FALSE(upper);
  EXPECT_EQ(upper.error().code, ErrorCode::kAlreadyExists) << "emails are unique regardless of case";
  auto same_name = Write()->Exec("INSERT INTO users (id, email, username, password_hash) VALUES ($1, $2, $3, 'h')",
                                 NewUuidV7(), "other@example.com", "Alice");
  EXPECT_EQ(same_name.error().code, ErrorCode::kAlreadyExists) << "usernames too";

  Exec("INSERT INTO provider_configs (id, user_id, provider) VALUES ('" + NewUuidV7() + "', '" + alice + "', 'openai')");
  auto twice = Write()->Exec("INSERT INTO provider_configs (id, user_id, provider) VALUES ($1, $2, 'openai')",
                             NewUuidV7(), alice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists) << "UNIQUE(user_id, provider)";

  Exec("INSERT INTO subscriptions (id, user_id, plan, status, start_date) VALUES ('" + NewUuidV7() + "', '" + alice +
       "', 'pro', 'active', '2026-01-01T00:00:00.000Z')");
  auto second_active = Write()->Exec("INSERT INTO subscriptions (id, user_id, plan, status, start_date) "
                                     "VALUES ($1, $2, 'free', 'active', '2026-02-01T00:00:00.000Z')",
                                     NewUuidV7(), alice);
  EXPECT_EQ(second_active.error().code, ErrorCode::kAlreadyExists) << "one active subscription per user";

  Exec("INSERT INTO generations (short_id, user_id, media_type, status) VALUES ('abcdefghijk', '" + alice +
       "', 'image', 'failed')");
  auto gen = Write()->Exec("SELECT id FROM generations WHERE short_id = 'abcdefghijk'");
  const int64_t generation = (*gen)[0].Int(0);
  auto refund = [&] {
    return Write()->Exec("INSERT INTO credit_transactions (user_id, amount, balance_after, type, generation_id) "
                         "VALUES ($1, 3, 13, 'refund', $2)",
                         alice, generation);
  };
  ASSERT_TRUE(refund());
  EXPECT_EQ(refund().error().code, ErrorCode::kAlreadyExists) << "a generation is refunded at most once";
  auto dup_short = Write()->Exec("INSERT INTO generations (short_id, user_id, media_type) VALUES ('abcdefghijk', $1, "
                                 "'video')",
                                 alice);
  EXPECT_EQ(dup_short.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(ConstraintsFixture, UpdatedAtFollowsUpdatesThatDoNotSetIt) {
  const std::string alice = MakeUser("alice");
  auto read = [&] { return (*Write()->Exec("SELECT updated_at FROM users WHERE id = $1", alice))[0].Text(0); };
  const std::string created = read();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Exec("UPDATE users SET first_name = 'Alice' WHERE id = '" + alice + "'");
  const std::string updated = read();
  EXPECT_GT(updated, created) << "the trigger stamps an UPDATE that leaves updated_at alone";
  // Both backends keep a time the statement sets itself (repositories stamp their own).
  Exec("UPDATE users SET last_name = 'B', updated_at = '2030-01-01T00:00:00.000Z' WHERE id = '" + alice + "'");
  EXPECT_EQ(read(), "2030-01-01T00:00:00.000Z");
}

TEST_P(ConstraintsFixture, FullTextIndexFollowsInsertUpdateAndDelete) {
  const std::string alice = MakeUser("alice");
  auto t = transcriptions::Create(*Write(), alice, {});
  ASSERT_TRUE(t);
  ASSERT_TRUE(transcriptions::Complete(*Write(), t->id, {.transcript_text = "the quick brown foxes jumped", .duration = 3},
                                       "2026-11-26T00:00:00.000Z"));
  auto hits = transcriptions::Search(*Write(), alice, "fox", 10);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->size(), 1u) << "stemming: fox matches foxes";
  EXPECT_NE((*hits)[0].snippet.find("<mark>"), std::string::npos) << (*hits)[0].snippet;

  Exec("UPDATE transcriptions SET transcript_text = 'a slow green turtle' WHERE id = '" + t->id + "'");
  EXPECT_TRUE(transcriptions::Search(*Write(), alice, "fox", 10)->empty()) << "the old text left the index";
  EXPECT_EQ(transcriptions::Search(*Write(), alice, "turtle", 10)->size(), 1u);

  ASSERT_TRUE(transcriptions::Delete(*Write(), alice, t->id).has_value());
  EXPECT_TRUE(transcriptions::Search(*Write(), alice, "turtle", 10)->empty());
  if (dialect() == Dialect::kSqlite) {
    auto check = Write()->Exec("INSERT INTO transcriptions_fts (transcriptions_fts) VALUES ('integrity-check')");
    EXPECT_TRUE(check) << check.error().message;
  }
}

TEST_P(ConstraintsFixture, OtherSearchIndexesFollowTheirTables) {
  const std::string alice = MakeUser("alice"), conversation = NewUuidV7();
  Exec("INSERT INTO conversations (id, user_id, model) VALUES ('" + conversation + "', '" + alice + "', 'm')");
  Exec("INSERT INTO messages (id, conversation_id, role, content) VALUES ('" + NewUuidV7() + "', '" + conversation +
       "', 'user', 'Remind me about the dentist appointment')");
  Exec("INSERT INTO news_history (id, user_id, headline, content) VALUES ('" + NewUuidV7() + "', '" + alice +
       "', 'Markets rally', 'Stocks climbed on Tuesday')");
  Exec("INSERT INTO audio_history (id, user_id, transcript, summary) VALUES ('" + NewUuidV7() + "', '" + alice +
       "', 'we discussed the roadmap', 'planning meeting')");
  const bool pg = dialect() == Dialect::kPostgres;
  auto count = [&](const std::string& sqlite_sql, const std::string& pg_sql) {
    auto rows = Write()->Exec(pg ? pg_sql : sqlite_sql);
    EXPECT_TRUE(rows) << rows.error().message;
    return rows ? (*rows)[0].Int(0) : -1;
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'appointments'",
                  "SELECT COUNT(*) FROM messages WHERE search_vector @@ plainto_tsquery('english', 'appointments')"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM news_history_fts WHERE news_history_fts MATCH 'climb'",
                  "SELECT COUNT(*) FROM news_history WHERE search_vector @@ plainto_tsquery('english', 'climb')"),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audio_history_fts WHERE audio_history_fts MATCH 'planning'",
                  "SELECT COUNT(*) FROM audio_history WHERE search_vector @@ plainto_tsquery('english', 'planning')"),
            1);
  Exec("DELETE FROM users WHERE id = '" + alice + "'");
  EXPECT_EQ(count("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'appointment'",
                  "SELECT COUNT(*) FROM messages WHERE search_vector @@ plainto_tsquery('english', 'appointment')"),
            0)
      << "cascaded deletes leave the index too";
}

CHORUS_INSTANTIATE_FOR_BACKENDS(ConstraintsFixture);

}  // namespace
}  // namespace chorus::store
