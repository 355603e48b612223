// The usage recorder against both databases: batches written on time, early under heavy traffic,
// in slices of one transaction, with one daily total per user and day.
#include "llm/usage_recorder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/conversations.h"
#include "tests/support/migrated_db.h"

namespace chorus::llm {
namespace {

using namespace std::chrono_literals;

class UsageRecorderTest : public chorus::testing::MigratedDatabaseTest {
 protected:
  UsageRecord Call(const std::string& user, int64_t input, int64_t output) {
    return UsageRecord{.user_id = user, .provider = "fake", .model = "gpt-4o-mini", .input_tokens = input,
                       .output_tokens = output, .cost = 0.5, .latency_ms = 3, .status = 200};
  }
  // Polls until `table` has `rows` rows (or a few seconds pass).
  int64_t WaitForRows(const std::string& table, int64_t rows) {
    int64_t n = 0;
    for (int i = 0; i < 300 && (n = Count(table)) < rows; ++i) std::this_thread::sleep_for(10ms);
    return n;
  }
};

TEST_P(UsageRecorderTest, WritesEachIntervalWithOneDailyTotalPerUser) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  UsageRecorder recorder(db(), 20ms);
  for (int i = 0; i < 250; ++i) recorder.Record(Call(i % 5 ? alice : bob, 10, 2));  // more than a slice of 100
  EXPECT_EQ(WaitForRows("usage_logs", 250), 250);
  EXPECT_EQ(Count("usage_logs", "input_tokens = 10 AND output_tokens = 2 AND status = 200"), 250);
  EXPECT_EQ(Count("usage_metrics", "service = 'llm'"), 2) << "one row per user and day";
  auto lease = Write();
  auto totals = lease->Exec("SELECT request_count, input_tokens FROM usage_metrics WHERE user_id = $1", alice);
  ASSERT_TRUE(totals) << totals.error().message;
  ASSERT_EQ(totals->size(), 1u);
  EXPECT_EQ((*totals)[0].Int(0), 200);
  EXPECT_EQ((*totals)[0].Int(1), 2000);
}

TEST_P(UsageRecorderTest, CallsCountOnTheDayTheyWereAnswered) {
  const std::string alice = MakeUser("alice");
  UsageRecorder recorder(db(), 60s);
  const SystemTime midnight = std::chrono::sys_days{std::chrono::year{2026} / 11 / 27};
  const SystemTime times[] = {midnight - 1ms, midnight, midnight + 1ms, midnight - 1ms};
  for (const SystemTime at : times) {
    UsageRecord call = Call(alice, 1, 1);
    call.at = at;
    recorder.Record(std::move(call));
  }
  ASSERT_TRUE(recorder.Flush());
  auto lease = Write();
  auto days = lease->Exec("SELECT date, request_count FROM usage_metrics WHERE user_id = $1 ORDER BY date", alice);
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].Text(0), "2026-11-26");
  EXPECT_EQ((*days)[0].Int(1), 2);
  EXPECT_EQ((*days)[1].Text(0), "2026-11-27");
  EXPECT_EQ((*days)[1].Int(1), 2);
}

TEST_P(UsageRecorderTest, AFullBatchIsWrittenBeforeTheInterval) {
  const std::string alice = MakeUser("alice");
  UsageRecorder recorder(db(), 60s);  // the interval alone would write nothing during this test
  for (size_t i = 0; i < UsageRecorder::kEagerRows - 1; ++i) recorder.Record(Call(alice, 1, 1));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Count("usage_logs"), 0) << "below the eager size, rows wait for the interval";
  recorder.Record(Call(alice, 1, 1));
  EXPECT_EQ(WaitForRows("usage_logs", UsageRecorder::kEagerRows), static_cast<int64_t>(UsageRecorder::kEagerRows));
}

TEST_P(UsageRecorderTest, WhatIsQueuedIsWrittenAtShutdown) {
  const std::string alice = MakeUser("alice");
  {
    UsageRecorder recorder(db(), 60s);
    for (int i = 0; i < 3; ++i) recorder.Record(Call(alice, 1, 1));
  }
  EXPECT_EQ(Count("usage_logs"), 3);
}

// Another process holds SQLite's write lock past the busy timeout as the recorder stops: its rows
// wait for the database a few seconds rather than being given up at the first refusal.
TEST_P(UsageRecorderTest, RowsQueuedAtShutdownWaitForABusyDatabase) {
  if (dialect() != store::Dialect::kSqlite) GTEST_SKIP() << "SQLite's write lock";
  const std::string alice = MakeUser("alice");
  auto other = test_->OpenAnother(1);
  auto lock = other->Acquire(store::Access::kWrite);
  ASSERT_TRUE(lock);
  ASSERT_TRUE((*lock)->ExecuteScript("BEGIN IMMEDIATE"));
  std::thread release([&] {
    std::this_thread::sleep_for(6s);  // past the first attempt's busy timeout (5 s)
    ASSERT_TRUE((*lock)->ExecuteScript("COMMIT"));
  });
  {
    UsageRecorder recorder(db(), 60s);
    for (int i = 0; i < 3; ++i) recorder.Record(Call(alice, 1, 1));
  }
  release.join();
  EXPECT_EQ(Count("usage_logs"), 3);
}

TEST_P(UsageRecorderTest, ACallWhoseConversationWasDeletedMeanwhileIsKeptWithoutIt) {
  const std::string alice = MakeUser("alice");
  const std::string chat = store::conversations::Create(*Write(), alice, {.model = "m"})->id;
  UsageRecorder recorder(db(), 60s);
  UsageRecord in_chat = Call(alice, 7, 3);
  in_chat.conversation_id = chat;
  recorder.Record(std::move(in_chat));
  recorder.Record(Call(alice, 1, 1));
  ASSERT_TRUE(store::conversations::Delete(*Write(), alice, chat));  // before the batch is written
  ASSERT_TRUE(recorder.Flush());
  EXPECT_EQ(Count("usage_logs"), 2);
  EXPECT_EQ(Count("usage_logs", "input_tokens = 7 AND conversation_id IS NULL"), 1) << "the spend is kept";
  EXPECT_EQ(Count("usage_metrics", "input_tokens = 8"), 1);
  std::string metrics;
  recorder.RenderMetrics(metrics);
  EXPECT_NE(metrics.find("chorus_llm_usage_dropped_total 0\n"), std::string::npos) << metrics;
}

TEST_P(UsageRecorderTest, ACallWhoseUserWasDeletedMeanwhileIsDroppedAlone) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  UsageRecorder recorder(db(), 60s);
  recorder.Record(Call(alice, 1, 1));
  recorder.Record(Call(bob, 2, 2));
  recorder.Record(Call(alice, 3, 3));
  ASSERT_TRUE(Write()->Exec("DELETE FROM users WHERE id = $1", bob));
  ASSERT_TRUE(recorder.Flush());
  EXPECT_EQ(Count("usage_logs"), 2);
  EXPECT_EQ(Count("usage_logs", "input_tokens = 2"), 0);
  std::string metrics;
  recorder.RenderMetrics(metrics);
  EXPECT_NE(metrics.find("chorus_llm_usage_dropped_total 1\n"), std::string::npos) << metrics;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(UsageRecorderTest);

}  // namespace
}  // namespace chorus::llm
