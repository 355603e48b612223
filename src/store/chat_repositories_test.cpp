// The chat repositories (conversations, messages, usage logs) and the admin-managed providers and
// services, run against both backends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "base/ids.h"
#include "base/time.h"
#include "store/conversations.h"
#include "store/providers.h"
#include "store/usage_logs.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

using ChatRepositoryTest = testing::MigratedDatabaseTest;

TEST_P(ChatRepositoryTest, ConversationsStayWithTheirOwner) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto c = conversations::Create(*Write(), alice, {.title = "Plans", .provider = "openai", .model = "gpt-4o-mini",
                                                   .system_prompt = "Be brief."});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(IsUuid(c->id));
  EXPECT_EQ(c->title, "Plans");
  EXPECT_EQ(c->context_window_size, 8192);
  EXPECT_TRUE(ParseTimestamp(c->created_at)) << c->created_at;
  ASSERT_TRUE(messages::Append(*Write(), c->id, {.role = "user", .content = "hi"}));

  EXPECT_EQ(conversations::Get(*Write(), alice, c->id)->system_prompt, "Be brief.");
  EXPECT_EQ(conversations::Get(*Write(), bob, c->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(conversations::Get(*Write(), alice, "not-a-uuid").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(conversations::Get(*Write(), alice, NewUuidV7()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(conversations::Delete(*Write(), bob, c->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(conversations::Delete(*Write(), alice, "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(conversations::Touch(*Write(), bob, c->id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(conversations::List(*Write(), bob, {})->items.empty());
  EXPECT_EQ(Count("conversations"), 1) << "bob's attempts changed nothing";
  EXPECT_EQ(Count("messages"), 1);
  EXPECT_EQ(conversations::Get(*Write(), alice, c->id)->updated_at, c->updated_at);

  ASSERT_TRUE(conversations::Touch(*Write(), alice, c->id));
  EXPECT_GE(conversations::Get(*Write(), alice, c->id)->updated_at, c->updated_at);

  EXPECT_EQ(conversations::Create(*Write(), alice, {.model = ""}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(conversations::Create(*Write(), alice, {.model = "m", .context_window_size = 0}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(conversations::Create(*Write(), alice, {.model = "m", .metadata = "{nope"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(conversations::Create(*Write(), alice, {.title = std::string(501, 't'), .model = "m"}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(ChatRepositoryTest, ConversationPagesCoverEveryRowOnceNewestFirst) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  std::set<std::string> made;
  for (int i = 0; i < 23; ++i) made.insert(conversations::Create(*Write(), alice, {.model = "m"})->id);
  ASSERT_TRUE(conversations::Create(*Write(), bob, {.model = "m"}));
  std::vector<std::string> seen;
  PageRequest page{.limit = 10};
  int pages = 0;
  do {
    auto result = conversations::List(*Write(), alice, page);
    ASSERT_TRUE(result) << result.error().message;
    for (const auto& c : result->items) seen.push_back(c.id);
    page.after = result->next_cursor;
    ++pages;
  } while (!page.after.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);
  EXPECT_EQ(seen.size(), made.size()) << "no row twice";
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend())) << "newest first";
  EXPECT_EQ(conversations::List(*Write(), alice, {.after = "garbage!"}).error().param, "after");
}

TEST_P(ChatRepositoryTest, MessagesKeepInsertionOrderForRapidAppendsFromAnyThread) {
  const std::string alice = MakeUser("alice");
  const std::string chat = conversations::Create(*Write(), alice, {.model = "m"})->id;
  const std::string other = conversations::Create(*Write(), alice, {.model = "m"})->id;
  ASSERT_TRUE(messages::Append(*Write(), other, {.role = "user", .content = "elsewhere"}));
  // Each append runs on a thread of its own (as on a BlockingPool), one after another: many land in
  // the same millisecond, where only a process-wide id order (or SQLite's seq) keeps them in order.
  constexpr int kCount = 60;
  for (int i = 0; i < kCount; ++i) {
    std::thread([&] {
      auto m = messages::Append(*Write(), chat, {.role = i % 2 ? "assistant" : "user", .content = std::to_string(i),
                                                  .token_count = i, .provider_metadata = R"({"i":1})"});
      ASSERT_TRUE(m) << m.error().message;
    }).join();
  }
  std::vector<std::string> seen;
  PageRequest page{.limit = 7};
  do {
    auto result = messages::List(*Write(), chat, page);
    ASSERT_TRUE(result) << result.error().message;
    for (const auto& m : result->items) seen.push_back(m.content);
    page.after = result->next_cursor;
  } while (!page.after.empty());
  ASSERT_EQ(seen.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(seen[i], std::to_string(i)) << "oldest first, in insertion order";

  auto recent = messages::Recent(*Write(), chat, 5);
  ASSERT_TRUE(recent) << recent.error().message;
  ASSERT_EQ(recent->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*recent)[i].content, std::to_string(kCount - 5 + i));
  EXPECT_EQ((*recent)[4].role, "assistant");
  EXPECT_EQ((*recent)[4].token_count, kCount - 1);
  EXPECT_EQ((*recent)[4].conversation_id, chat);
  EXPECT_EQ(messages::Recent(*Write(), chat, 1000)->size(), static_cast<size_t>(kCount));
  EXPECT_TRUE(messages::Recent(*Write(), chat, 0)->empty());
  EXPECT_TRUE(messages::Recent(*Write(), "nope", 5)->empty());
  EXPECT_EQ(messages::List(*Write(), chat, {.limit = 3, .after = "garbage!"}).error().param, "after");

  EXPECT_EQ(messages::Append(*Write(), chat, {.role = "robot", .content = "x"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(messages::Append(*Write(), chat, {.role = "user", .content = "x", .token_count = -1}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(messages::Append(*Write(), NewUuidV7(), {.role = "user", .content = "x"}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(messages::Append(*Write(), "nope", {.role = "user", .content = "x"}).error().code,
            ErrorCode::kFailedPrecondition);
}

// A failed exchange withdraws its user's message: a client paging meanwhile may hold a cursor to it.
TEST_P(ChatRepositoryTest, APageResumesWhereItsCursorsMessageStoodOnceItIsRemoved) {
  const std::string alice = MakeUser("alice");
  const std::string chat = conversations::Create(*Write(), alice, {.model = "m"})->id;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(messages::Append(*Write(), chat, {.role = "user", .content = std::to_string(i)}));
  }
  auto first = messages::List(*Write(), chat, {.limit = 3});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->items.size(), 3u);
  ASSERT_TRUE(messages::Remove(*Write(), chat, first->items[2].id));
  auto rest = messages::List(*Write(), chat, {.limit = 10, .after = first->next_cursor});
  ASSERT_TRUE(rest) << rest.error().message;
  std::vector<std::string> seen;
  for (const auto& m : rest->items) seen.push_back(m.content);
  EXPECT_EQ(seen, (std::vector<std::string>{"3", "4", "5"}));
}

TEST_P(ChatRepositoryTest, DeletingAConversationDeletesItsMessagesButNotItsUsage) {
  const std::string alice = MakeUser("alice");
  const std::string gone = conversations::Create(*Write(), alice, {.model = "m"})->id;
  const std::string kept = conversations::Create(*Write(), alice, {.model = "m"})->id;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(messages::Append(*Write(), gone, {.role = "user", .content = "a"}));
    ASSERT_TRUE(messages::Append(*Write(), kept, {.role = "user", .content = "b"}));
  }
  const UsageLogRow logs[] = {{.user_id = alice, .conversation_id = gone, .provider = "p", .model = "m"},
                              {.user_id = alice, .conversation_id = kept, .provider = "p", .model = "m"}};
  ASSERT_TRUE(usage_logs::InsertMany(*Write(), logs));
  ASSERT_TRUE(conversations::Delete(*Write(), alice, gone));
  EXPECT_EQ(conversations::Delete(*Write(), alice, gone).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Count("messages", "conversation_id = '" + gone + "'"), 0);
  EXPECT_EQ(Count("messages", "conversation_id = '" + kept + "'"), 3);
  EXPECT_EQ(Count("usage_logs"), 2) << "spend already incurred stays";
  EXPECT_EQ(Count("usage_logs", "conversation_id IS NULL"), 1);
  EXPECT_EQ(Count("usage_logs", "conversation_id = '" + kept + "'"), 1);
  EXPECT_TRUE(messages::List(*Write(), gone, {})->items.empty());
}

TEST_P(ChatRepositoryTest, UsageLogsInsertManyAndSumPerDayAndModel) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  const char* days[] = {"2024-02-28", "2024-02-29", "2024-03-01"};  // a leap day and a month end
  const char* models[] = {"gpt-4o-mini", "claude-haiku"};
  std::vector<UsageLogRow> rows;
  std::map<std::tuple<std::string, std::string>, DailyModelUsage> want;
  for (int i = 0; i < 250; ++i) {
    UsageLogRow u{.user_id = alice, .provider = i % 2 ? "anthropic" : "openai", .model = models[i % 2],
                  .input_tokens = 10 + i, .output_tokens = i * 3, .latency_ms = 100 + i, .status = 200};
    if (i % 5 != 0) u.cost = 0.000125 * i;  // some calls carry no cost
    u.created_at = fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z", days[i % 3], i % 24, i % 60, (i * 7) % 60, i % 1000);
    auto& w = want[{days[i % 3], u.model}];
    w.requests += 1;
    w.input_tokens += u.input_tokens;
    w.output_tokens += u.output_tokens;
    w.cost += u.cost.value_or(0);
    rows.push_back(u);
  }
  rows.push_back({.user_id = bob, .provider = "openai", .model = "gpt-4o-mini", .input_tokens = 1000,
                  .created_at = "2024-02-29T12:00:00.000Z"});
  rows.push_back({.user_id = alice, .provider = "openai", .model = "gpt-4o-mini", .created_at = "2024-03-02T00:00:00Z"});
  auto inserted = usage_logs::InsertMany(*Write(), rows);
  ASSERT_TRUE(inserted) << inserted.error().message;
  EXPECT_EQ(*inserted, 252);
  EXPECT_EQ(Count("usage_logs"), 252);

  auto daily = usage_logs::DailyByModel(*Write(), alice, "2024-02-28", "2024-03-01");
  ASSERT_TRUE(daily) << daily.error().message;
  ASSERT_EQ(daily->size(), want.size()) << "March 2nd is outside the range; bob's row is not alice's";
  auto it = want.begin();
  for (const DailyModelUsage& d : *daily) {
    const auto& [date, model] = it->first;
    EXPECT_EQ(d.date, date);
    EXPECT_EQ(d.model, model);
    EXPECT_EQ(d.provider, model == "claude-haiku" ? "anthropic" : "openai");
    EXPECT_EQ(d.requests, it->second.requests);
    EXPECT_EQ(d.input_tokens, it->second.input_tokens);
    EXPECT_EQ(d.output_tokens, it->second.output_tokens);
    EXPECT_NEAR(d.cost, it->second.cost, 1e-9);
    ++it;
  }
  EXPECT_EQ(usage_logs::DailyByModel(*Write(), alice, "2024-03-02", "2024-03-02")->size(), 1u);
  EXPECT_EQ(usage_logs::DailyByModel(*Write(), alice, "2024-03-01", "2024-02-28")->size(), 0u);
  EXPECT_EQ(usage_logs::DailyByModel(*Write(), alice, "2023-02-29", "2024-03-01").error().param, "from");
  EXPECT_EQ(usage_logs::DailyByModel(*Write(), alice, "2024-02-01", "tomorrow").error().param, "to");

  // Keyset pages over 251 rows: every row once, newest first.
  std::vector<UsageLogRow> seen;
  PageRequest page{.limit = 100};
  do {
    auto result = usage_logs::List(*Write(), alice, page);
    ASSERT_TRUE(result) << result.error().message;
    seen.insert(seen.end(), result->items.begin(), result->items.end());
    page.after = result->next_cursor;
  } while (!page.after.empty());
  ASSERT_EQ(seen.size(), 251u);
  std::set<std::string> ids;
  for (const auto& u : seen) ids.insert(u.id);
  EXPECT_EQ(ids.size(), 251u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(), [](const UsageLogRow& a, const UsageLogRow& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  }));
  EXPECT_EQ(seen.front().created_at, "2024-03-02T00:00:00.000Z") << "stored in the canonical form";
  EXPECT_EQ(seen.back().status, 200);

  // A batch is all or none; a row without created_at gets the database's now.
  std::vector<UsageLogRow> bad(150, UsageLogRow{.user_id = alice, .provider = "p", .model = "m"});
  bad[120].input_tokens = -1;
  EXPECT_EQ(usage_logs::InsertMany(*Write(), bad).error().code, ErrorCode::kInvalidArgument);
  bad[120].input_tokens = 0;
  bad[7].created_at = "yesterday";
  EXPECT_EQ(usage_logs::InsertMany(*Write(), bad).error().param, "created_at");
  EXPECT_EQ(Count("usage_logs"), 252);
  const UsageLogRow now_row[] = {{.user_id = alice, .provider = "p", .model = "m"}};
  ASSERT_TRUE(usage_logs::InsertMany(*Write(), now_row));
  const std::string today = FormatDate(std::chrono::system_clock::now());
  EXPECT_EQ(usage_logs::DailyByModel(*Write(), alice, today, today)->size(), 1u);
}

TEST_P(ChatRepositoryTest, UsageLogsAreReadInTheOrderTheyAreKept) {
  if (dialect() != Dialect::kSqlite) GTEST_SKIP() << "the plans checked are SQLite's";
  // The table is kept by (user_id, created_at, id): a user's day range and newest-first pages read
  // it in place, without a second index and without sorting.
  const char* queries[] = {
      "SELECT id FROM usage_logs WHERE user_id = $1 AND (created_at, id) < ($2, $3) "
      "ORDER BY created_at DESC, id DESC LIMIT 11",
      "SELECT substr(created_at, 1, 10), model, COUNT(*) FROM usage_logs "
      "WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1, 2"};
  for (const char* query : queries) {
    auto plan = Write()->Exec(std::string("EXPLAIN QUERY PLAN ") + query, NewUuidV7(), "2024-03-01T00:00:00.000Z",
                              NewUuidV7());
    ASSERT_TRUE(plan) << plan.error().message;
    std::string steps;
    for (Row r : *plan) steps += r.Text(3) + "\n";
    EXPECT_NE(steps.find("SEARCH usage_logs USING PRIMARY KEY (user_id=?"), std::string::npos) << query << "\n" << steps;
    EXPECT_EQ(steps.find("ORDER BY"), std::string::npos) << query << "\n" << steps;
  }
}

TEST_P(ChatRepositoryTest, ProvidersAndServicesUpsertListAndDelete) {
  const std::string sealed("\x00\x01sealed\xff", 9);
  auto p = providers::Upsert(*Write(), {.name = "openai-main", .kind = "openai", .base_url = "https://api.openai.com/v1",
                                        .credentials_ciphertext = sealed, .key_id = "k1"});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_GT(p->id, 0);
  EXPECT_EQ(p->credentials_ciphertext, sealed);
  EXPECT_TRUE(p->is_active);

  auto updated = providers::Upsert(*Write(), {.name = "openai-main", .kind = "openai", .base_url = "http://proxy:8080",
                                              .config = R"({"timeout_s":30})", .is_active = false});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->id, p->id) << "same row";
  EXPECT_EQ(updated->base_url, "http://proxy:8080");
  EXPECT_FALSE(updated->is_active);
  EXPECT_EQ(updated->credentials_ciphertext, sealed) << "unset credentials are kept";
  EXPECT_EQ(updated->key_id, "k1");
  EXPECT_NE(updated->config, "{}");
  auto claude = providers::Upsert(*Write(), {.name = "anthropic", .kind = "anthropic", .base_url = "https://api.anthropic.com"});
  ASSERT_TRUE(claude) << claude.error().message;
  EXPECT_FALSE(claude->credentials_ciphertext);

  auto all = providers::List(*Write());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "anthropic");
  EXPECT_EQ(providers::Get(*Write(), "openai-main")->id, p->id);
  EXPECT_EQ(providers::Get(*Write(), "nobody").error().code, ErrorCode::kNotFound);

  auto bad = [&](ProviderWrite w) { return providers::Upsert(*Write(), w).error().code; };
  EXPECT_EQ(bad({.name = "x", .kind = "azure", .base_url = "https://x"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad({.name = "x", .kind = "openai", .base_url = "ftp://x"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad({.name = "x", .kind = "openai", .base_url = "https://x", .credentials_ciphertext = "c"}),
            ErrorCode::kInvalidArgument) << "a ciphertext needs its key id";
  EXPECT_EQ(bad({.name = "", .kind = "openai", .base_url = "https://x"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad({.name = "x", .kind = "openai", .base_url = "https://x", .config = "{"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("providers"), 2);

  auto s = services::Upsert(*Write(), p->id, {.name = "fast", .upstream_model = "gpt-4o-mini",
                                              .input_price_per_million = 0.15, .output_price_per_million = 0.6});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->service_type, "llm");
  EXPECT_EQ(s->weight, 1);
  auto s2 = services::Upsert(*Write(), p->id, {.name = "fast", .upstream_model = "gpt-4.1-mini", .weight = 3,
                                               .is_active = false});
  ASSERT_TRUE(s2) << s2.error().message;
  EXPECT_EQ(s2->id, s->id);
  EXPECT_EQ(s2->upstream_model, "gpt-4.1-mini");
  EXPECT_EQ(s2->weight, 3);
  EXPECT_EQ(s2->input_price_per_million, 0) << "every field is written";
  ASSERT_TRUE(services::Upsert(*Write(), claude->id, {.name = "fast", .upstream_model = "claude-haiku",
                                                      .input_price_per_million = 0.8}));
  ASSERT_TRUE(services::Upsert(*Write(), p->id, {.name = "asr", .upstream_model = "whisper-1", .service_type = "asr"}));
  auto listed = services::List(*Write());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].name, "asr");
  EXPECT_NEAR((*listed)[2].input_price_per_million, 0.8, 1e-9);

  auto bad_service = [&](int64_t provider, ServiceWrite w) { return services::Upsert(*Write(), provider, w).error().code; };
  EXPECT_EQ(bad_service(p->id, {.name = "x", .upstream_model = "m", .service_type = "chat"}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_service(p->id, {.name = "x", .upstream_model = "m", .weight = 0}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_service(p->id, {.name = "x", .upstream_model = "m", .input_price_per_million = -1}),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_service(p->id, {.name = "x", .upstream_model = ""}), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_service(999999, {.name = "x", .upstream_model = "m"}), ErrorCode::kFailedPrecondition);

  ASSERT_TRUE(services::Delete(*Write(), p->id, "asr"));
  EXPECT_EQ(services::Delete(*Write(), p->id, "asr").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(providers::Delete(*Write(), "openai-main"));
  EXPECT_EQ(providers::Delete(*Write(), "openai-main").error().code, ErrorCode::kNotFound);
  ASSERT_EQ(services::List(*Write())->size(), 1u) << "the provider's services went with it";
  EXPECT_EQ(Count("services", "provider_id = " + std::to_string(claude->id)), 1);
}


CHORUS_INSTANTIATE_FOR_BACKENDS(ChatRepositoryTest);

}  // namespace
}  // namespace chorus::store
