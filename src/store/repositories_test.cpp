// The repository contract, run against both backends: users, sessions, refresh tokens, API keys,
// transcriptions and usage metrics. Each per-user function is checked to refuse another user's id.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "base/ids.h"
#include "base/time.h"
#include "store/credentials.h"
#include "store/transaction.h"
#include "store/transcriptions.h"
#include "store/usage_metrics.h"
#include "store/users.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

using RepositoryTest = testing::MigratedDatabaseTest;

std::string Hash(char c) { return std::string(64, c); }

TEST_P(RepositoryTest, UsersCreateFindUpdateDelete) {
  auto conn = Write();
  auto made = users::Create(*conn, {.email = "Ann@Example.com", .username = "ann", .password_hash = "h"});
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_TRUE(IsUuid(made->id));
  EXPECT_EQ(made->credits, 10);
  EXPECT_EQ(made->account_type, "registered");
  EXPECT_EQ(made->access_role, "user");
  EXPECT_TRUE(made->is_active);
  EXPECT_TRUE(ParseTimestamp(made->created_at)) << made->created_at;

  EXPECT_EQ(users::FindByLogin(*conn, "ann@example.COM")->id, made->id);
  EXPECT_EQ(users::FindByLogin(*conn, "ANN")->id, made->id);
  EXPECT_EQ(users::FindByLogin(*conn, "nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users::Create(*conn, {.email = "ann@example.com", .username = "ann2", .password_hash = "h"}).error().code,
            ErrorCode::kAlreadyExists);

  auto updated = users::Update(*conn, made->id, {.first_name = "Ann", .access_role = "admin"});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->first_name, "Ann");
  EXPECT_EQ(updated->access_role, "admin");
  EXPECT_EQ(updated->email, made->email) << "unset fields stay";
  EXPECT_EQ(users::Update(*conn, made->id, {.access_role = "root"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*users::CountAdmins(*conn), 1);

  EXPECT_EQ(*users::AddCredits(*conn, made->id, -4), 6);
  EXPECT_EQ(users::AddCredits(*conn, made->id, -7).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(users::Get(*conn, made->id)->credits, 6) << "a refused spend changes nothing";

  ASSERT_TRUE(users::Delete(*conn, made->id));
  EXPECT_EQ(users::Get(*conn, made->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users::Delete(*conn, made->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users::Get(*conn, "not-a-uuid").error().code, ErrorCode::kNotFound);
}

TEST_P(RepositoryTest, GuestsNeedNoCredentials) {
  auto guest = users::Create(*Write(), {.account_type = "guest"});
  ASSERT_TRUE(guest) << guest.error().message;
  EXPECT_FALSE(guest->email);
  auto upgraded = users::Update(*Write(), guest->id, {.email = "g@example.com", .username = "guest1",
                                                      .password_hash = "h", .account_type = "registered"});
  ASSERT_TRUE(upgraded) << upgraded.error().message;
  EXPECT_EQ(upgraded->account_type, "registered");
}

TEST_P(RepositoryTest, KeysetPagesCoverEveryRowOnceNewestFirst) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  std::set<std::string> made;
  for (int i = 0; i < 23; ++i) made.insert(transcriptions::Create(*Write(), alice, {})->id);
  ASSERT_TRUE(transcriptions::Create(*Write(), bob, {}));
  std::vector<std::string> seen;
  PageRequest page{.limit = 10};
  int pages = 0;
  do {
    auto result = transcriptions::List(*Write(), alice, {}, page);
    ASSERT_TRUE(result) << result.error().message;
    for (const auto& t : result->items) seen.push_back(t.id);
    page.after = result->next_cursor;
    ++pages;
    // A row added while paging is newer than every cursor: it never appears mid-walk.
    if (pages == 1) {
      ASSERT_TRUE(transcriptions::Create(*Write(), alice, {}));
    }
  } while (!page.after.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);
  EXPECT_EQ(seen.size(), made.size()) << "no row twice";
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend())) << "UUIDv7 ids follow creation order, newest first";
  EXPECT_EQ(transcriptions::List(*Write(), alice, {}, {.after = "garbage!"}).error().param, "after");
}

TEST_P(RepositoryTest, TranscriptionsFlowAndStayWithTheirOwner) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto t = transcriptions::Create(*Write(), alice, {.audio_url = "https://a.example/x.wav", .language = "en",
                                                    .model = "pocketsphinx-en-us"});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->status, "pending");
  EXPECT_EQ(transcriptions::Get(*Write(), bob, t->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(transcriptions::Delete(*Write(), bob, t->id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(transcriptions::List(*Write(), bob, {}, {})->items.empty());

  ASSERT_TRUE(transcriptions::MarkProcessing(*Write(), t->id));
  ASSERT_TRUE(transcriptions::Complete(*Write(), t->id,
                                       {.transcript_text = "go forward ten meters", .duration = 1.95, .confidence = 0.8},
                                       NowTimestamp()));
  auto done = transcriptions::Get(*Write(), alice, t->id);
  EXPECT_EQ(done->status, "completed");
  EXPECT_EQ(done->transcript_text, "go forward ten meters");
  EXPECT_NEAR(*done->duration, 1.95, 1e-9);
  EXPECT_NEAR(*done->confidence, 0.8, 1e-9);
  EXPECT_TRUE(done->completed_at);
  EXPECT_EQ(transcriptions::Fail(*Write(), t->id, "late", NowTimestamp()).error().code, ErrorCode::kConflict)
      << "a finished transcription does not change state again";

  auto failed = transcriptions::Create(*Write(), alice, {});
  ASSERT_TRUE(transcriptions::Fail(*Write(), failed->id, "unreadable audio", NowTimestamp()));
  auto only_failed = transcriptions::List(*Write(), alice, {.status = "failed"}, {});
  ASSERT_EQ(only_failed->items.size(), 1u);
  EXPECT_EQ(only_failed->items[0].error_message, "unreadable audio");
  EXPECT_EQ(transcriptions::List(*Write(), alice, {.language = "en"}, {})->items.size(), 1u);
  EXPECT_EQ(transcriptions::List(*Write(), alice, {.created_from = "2999-01-01T00:00:00.000Z"}, {})->items.size(), 0u);
}

TEST_P(RepositoryTest, SearchIsRankedScopedAndSafe) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto add = [&](const std::string& user, const std::string& text) {
    auto t = transcriptions::Create(*Write(), user, {});
    const std::string metadata = R"({"segments":[{"text":")" + text + R"("}]})";
    ASSERT_TRUE(transcriptions::Complete(*Write(), t->id,
                                         {.transcript_text = text, .duration = 1, .metadata = metadata}, NowTimestamp()));
  };
  add(alice, "the meeting covered the budget and the budget review");
  add(alice, "a short note about the budget");
  add(alice, "nothing relevant here");
  add(bob, "bob also talks about the budget");
  auto hits = transcriptions::Search(*Write(), alice, "budget", 10);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->size(), 2u) << "bob's transcript is not alice's to find";
  EXPECT_GE((*hits)[0].rank, (*hits)[1].rank);
  EXPECT_NE((*hits)[0].snippet.find("<mark>"), std::string::npos);
  for (const auto& hit : *hits) {
    // (PostgreSQL gives JSONB back in its own spacing.)
    EXPECT_NE(hit.metadata.find("segments"), std::string::npos) << "each hit brings its row's metadata";
    EXPECT_NE(hit.metadata.find("budget"), std::string::npos) << hit.metadata;
    EXPECT_EQ(hit.metadata.find("bob"), std::string::npos);
  }
  for (const char* hostile : {"budget\" OR \"", "NEAR(budget", "budget*", "'; DROP TABLE users; --", "budget) AND (x"}) {
    auto r = transcriptions::Search(*Write(), alice, hostile, 10);
    EXPECT_TRUE(r) << hostile << ": " << r.error().message;
  }
  EXPECT_EQ(transcriptions::Search(*Write(), alice, "  !!! ", 10).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("users"), 2);
}

TEST_P(RepositoryTest, SearchAllRanksTheRecentMatchesOfEveryUser) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto add = [&](const std::string& user, const std::string& text) -> std::string {
    auto t = transcriptions::Create(*Write(), user, {});
    EXPECT_TRUE(transcriptions::Complete(*Write(), t->id, {.transcript_text = text, .duration = 1}, NowTimestamp()));
    return t->id;
  };
  add(alice, "a short note about the budget");
  const std::string best = add(bob, "budget budget budget: the budget meeting");
  add(alice, "nothing relevant here");
  auto hits = transcriptions::SearchAll(*Write(), "budget", 10);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, best) << "the transcript that is most about the budget ranks first";
  EXPECT_GT((*hits)[0].rank, (*hits)[1].rank);
  EXPECT_NE((*hits)[0].snippet.find("<mark>"), std::string::npos);
  EXPECT_EQ(transcriptions::SearchAll(*Write(), "budget meeting", 10)->size(), 1u) << "every word must match";
  for (const char* hostile : {"budget\" OR \"", "NEAR(budget", "budget*", "'; DROP TABLE users; --"}) {
    auto r = transcriptions::SearchAll(*Write(), hostile, 10);
    EXPECT_TRUE(r) << hostile << ": " << r.error().message;
  }
  EXPECT_EQ(transcriptions::SearchAll(*Write(), "  !!! ", 10).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(RepositoryTest, SearchAllRanksOnlyTheMostRecentMatches) {
  const std::string alice = MakeUser("alice");
  // Six matches a week apart, the oldest first (as rows arrive); the three oldest are the most
  // about the budget, the three newest mention it once.
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto t = transcriptions::Create(*Write(), alice, {});
    ASSERT_TRUE(t);
    const std::string text = i < 3 ? "budget budget budget budget" : "a word on the budget among many other words";
    ASSERT_TRUE(transcriptions::Complete(*Write(), t->id, {.transcript_text = text, .duration = 1}, NowTimestamp()));
    const auto at = std::chrono::system_clock::now() - std::chrono::hours(24 * 7 * (5 - i));
    ASSERT_TRUE(Write()->Exec("UPDATE transcriptions SET created_at = $1 WHERE id = $2", FormatTimestamp(at), t->id));
    ids.push_back(t->id);
  }
  auto recent = transcriptions::SearchAll(*Write(), "budget", 10, 3);
  ASSERT_TRUE(recent) << recent.error().message;
  std::set<std::string> found;
  for (const auto& hit : *recent) found.insert(hit.id);
  EXPECT_EQ(found, (std::set<std::string>{ids[3], ids[4], ids[5]})) << "only the three most recent are ranked";
  auto all = transcriptions::SearchAll(*Write(), "budget", 1, 6);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].id == ids[0] || (*all)[0].id == ids[1] || (*all)[0].id == ids[2])
      << "with room for all six, an older and more relevant one wins";
  // Sparse matches (PostgreSQL reads the older weeks in one lookup): each row once, none missing.
  auto sparse = transcriptions::SearchAll(*Write(), "budget", 20, 100);
  ASSERT_TRUE(sparse) << sparse.error().message;
  std::set<std::string> every;
  for (const auto& hit : *sparse) every.insert(hit.id);
  EXPECT_EQ(sparse->size(), 6u);
  EXPECT_EQ(every, std::set<std::string>(ids.begin(), ids.end()));
}

TEST_P(RepositoryTest, SessionsAreFoundOnlyWhileActive) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto s = sessions::Create(*Write(), {.user_id = alice, .token_hash = Hash('a'), .ip_address = "127.0.0.1",
                                       .expires_at = "2099-01-01T00:00:00.000Z"});
  ASSERT_TRUE(s) << s.error().message;
  const std::string now = NowTimestamp();
  EXPECT_EQ(sessions::FindActive(*Write(), Hash('a'), now)->id, s->id);
  EXPECT_EQ(sessions::FindActive(*Write(), Hash('a'), "2099-06-01T00:00:00.000Z").error().code, ErrorCode::kNotFound)
      << "expired";
  EXPECT_EQ(sessions::Revoke(*Write(), bob, s->id, now).error().code, ErrorCode::kNotFound) << "not bob's";
  ASSERT_TRUE(sessions::Revoke(*Write(), alice, s->id, now));
  EXPECT_EQ(sessions::FindActive(*Write(), Hash('a'), now).error().code, ErrorCode::kNotFound) << "revoked";
  EXPECT_EQ(sessions::Revoke(*Write(), alice, s->id, now).error().code, ErrorCode::kNotFound) << "already revoked";

  auto keep = sessions::Create(*Write(), {.user_id = alice, .token_hash = Hash('b'), .expires_at = "2099-01-01T00:00:00.000Z"});
  ASSERT_TRUE(sessions::Create(*Write(), {.user_id = alice, .token_hash = Hash('c'), .expires_at = "2099-01-01T00:00:00.000Z"}));
  EXPECT_EQ(*sessions::RevokeAllForUser(*Write(), alice, keep->id, now), 1);
  EXPECT_TRUE(sessions::FindActive(*Write(), Hash('b'), now));
  EXPECT_EQ(sessions::ListForUser(*Write(), alice, {})->items.size(), 3u);
  EXPECT_TRUE(sessions::ListForUser(*Write(), bob, {})->items.empty());
  EXPECT_EQ(sessions::Create(*Write(), {.user_id = bob, .token_hash = Hash('b'), .expires_at = now}).error().code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(*sessions::DeleteExpired(*Write(), "2099-06-01T00:00:00.000Z"), 3);
}

TEST_P(RepositoryTest, RefreshTokensAreUsedOnceEvenUnderARace) {
  const std::string alice = MakeUser("alice");
  const std::string family = NewUuidV7();
  auto t = refresh_tokens::Create(*Write(), {.user_id = alice, .family_id = family, .token_hash = Hash('r'),
                                             .expires_at = "2099-01-01T00:00:00.000Z"});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(refresh_tokens::FindByHash(*Write(), Hash('r'))->family_id, family);

  std::atomic<int> winners{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 4; ++i) {
    racers.emplace_back([&] {
      auto won = Transact(db(), Access::kWrite, [&](Connection& c) { return refresh_tokens::MarkUsed(c, t->id, NowTimestamp()); });
      if (won && *won) ++winners;
    });
  }
  for (auto& r : racers) r.join();
  EXPECT_EQ(winners.load(), 1) << "two concurrent uses of one token: at most one succeeds";

  ASSERT_TRUE(refresh_tokens::Create(*Write(), {.user_id = alice, .family_id = family, .token_hash = Hash('s'),
                                                .expires_at = "2099-01-01T00:00:00.000Z"}));
  EXPECT_EQ(*refresh_tokens::RevokeFamily(*Write(), family, NowTimestamp()), 2);
  EXPECT_TRUE(refresh_tokens::FindByHash(*Write(), Hash('s'))->revoked_at);
  auto fresh = refresh_tokens::Create(*Write(), {.user_id = alice, .family_id = NewUuidV7(), .token_hash = Hash('t'),
                                                 .expires_at = "2099-01-01T00:00:00.000Z"});
  EXPECT_FALSE(*refresh_tokens::MarkUsed(*Write(), t->id, NowTimestamp())) << "a revoked token cannot be used";
  EXPECT_EQ(*refresh_tokens::RevokeAllForUser(*Write(), alice, NowTimestamp()), 1);
}

TEST_P(RepositoryTest, ApiKeysAreScopedToTheirOwner) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto k = api_keys::Create(*Write(), {.user_id = alice, .name = "ci", .key_hash = Hash('k'), .key_prefix = "chorus_sk_ab",
                                       .scopes = {"read", "inference"}});
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->scopes, (std::vector<std::string>{"read", "inference"}));
  EXPECT_EQ(api_keys::FindByHash(*Write(), Hash('k'))->id, k->id);
  EXPECT_EQ(api_keys::Get(*Write(), bob, k->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api_keys::Revoke(*Write(), bob, k->id, NowTimestamp()).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(api_keys::ListForUser(*Write(), bob, {})->items.empty());
  EXPECT_EQ(api_keys::ListForUser(*Write(), alice, {})->items.size(), 1u);

  ASSERT_TRUE(api_keys::TouchLastUsed(*Write(), k->id, "2026-11-26T10:00:00.000Z"));
  ASSERT_TRUE(api_keys::TouchLastUsed(*Write(), k->id, "2026-11-26T09:00:00.000Z"));
  EXPECT_EQ(api_keys::Get(*Write(), alice, k->id)->last_used_at, "2026-11-26T10:00:00.000Z") << "never moves back";

  ASSERT_TRUE(api_keys::Revoke(*Write(), alice, k->id, NowTimestamp()));
  EXPECT_TRUE(api_keys::Get(*Write(), alice, k->id)->revoked_at);
  EXPECT_EQ(api_keys::Create(*Write(), {.user_id = bob, .name = "dup", .key_hash = Hash('k'), .key_prefix = "chorus_sk_x",
                                        .scopes = {"all"}}).error().code,
            ErrorCode::kAlreadyExists);
}

TEST_P(RepositoryTest, UsageCountersAddUpWithoutLosingIncrements) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto done = Transact(db(), Access::kWrite, [&](Connection& c) {
          return usage_metrics::Add(c, alice, "asr", "2026-11-26", {.requests = 1, .audio_seconds = 1.5, .cost = 0.0001});
        });
        EXPECT_TRUE(done) << done.error().message;
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_TRUE(usage_metrics::Add(*Write(), alice, "llm", "2026-11-27", {.requests = 2, .tokens = 300, .input_tokens = 200,
                                                                         .output_tokens = 100, .cost = 0.25}));
  ASSERT_TRUE(usage_metrics::Add(*Write(), bob, "asr", "2026-11-26", {.requests = 1}));
  auto days = usage_metrics::Daily(*Write(), alice, "2026-11-01", "2026-11-30");
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].service, "asr");
  EXPECT_EQ((*days)[0].date, "2026-11-26");
  EXPECT_EQ((*days)[0].request_count, 40) << "every concurrent increment counted";
  EXPECT_NEAR((*days)[0].audio_seconds, 60.0, 1e-6);
  EXPECT_NEAR((*days)[0].cost, 0.004, 1e-9);
  EXPECT_EQ((*days)[1].token_count, 300);
  EXPECT_EQ(usage_metrics::Daily(*Write(), alice, "2026-11-27", "2026-11-27", "asr")->size(), 0u);
  EXPECT_FALSE(usage_metrics::Add(*Write(), alice, "video", "2026-11-26", {})) << "unknown service";
  EXPECT_FALSE(usage_metrics::Add(*Write(), alice, "asr", "2026-11-26", {.requests = -1}));

  auto event = usage_metrics::RecordEvent(*Write(), alice, "news.read", std::nullopt, std::nullopt, R"({"n":1})");
  ASSERT_TRUE(event) << event.error().message;
  EXPECT_EQ(usage_metrics::ListEvents(*Write(), alice, {})->items.size(), 1u);
  EXPECT_TRUE(usage_metrics::ListEvents(*Write(), bob, {})->items.empty());
}

CHORUS_INSTANTIATE_FOR_BACKENDS(RepositoryTest);

}  // namespace
}  // namespace chorus::store
