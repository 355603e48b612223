// The jobs repository on both backends: claims never overlap, leases guard every write, retries,
// expiry, cancellation, purging.
#include "store/jobs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "base/random.h"
#include "base/strings.h"
#include "base/time.h"
#include "store/transaction.h"
#include "tests/support/migrated_db.h"

namespace chorus::store {
namespace {

using namespace std::chrono_literals;
using JobsTest = testing::MigratedDatabaseTest;

Lease MakeLease(std::chrono::milliseconds ttl = 30s, std::string owner = "test:1") {
  return Lease{std::move(owner), HexEncode(SecureRandomString(8)), NowTimestamp(),
               FormatTimestamp(std::chrono::system_clock::now() + ttl)};
}

const std::vector<std::string> kKinds = {"a", "b"};

TEST_P(JobsTest, EnqueueClaimCompleteWithTheLease) {
  const std::string user = MakeUser("alice");
  auto job = jobs::Enqueue(*Write(), {.kind = "a", .user_id = user, .payload = R"({"n":1})"});
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->status, "pending");
  EXPECT_EQ(job->attempts, 0);
  const Lease lease = MakeLease();
  auto claimed = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 10, lease); });
  ASSERT_TRUE(claimed) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 1u);
  const Job& running = (*claimed)[0];
  EXPECT_EQ(running.status, "processing");
  EXPECT_EQ(running.attempts, 1);
  EXPECT_EQ(running.lease_token, lease.token);
  EXPECT_TRUE(running.started_at);
  EXPECT_EQ(jobs::Complete(*Write(), running.id, "wrong-token", "{}", NowTimestamp()).error().code,
            ErrorCode::kConflict);
  ASSERT_TRUE(jobs::Complete(*Write(), running.id, lease.token, R"({"ok":true})", NowTimestamp()));
  auto done = jobs::Get(*Write(), user, running.id);
  EXPECT_EQ(done->status, "completed");
  EXPECT_FALSE(done->lease_token);
  EXPECT_TRUE(done->finished_at);
  EXPECT_EQ(jobs::Complete(*Write(), running.id, lease.token, "{}", NowTimestamp()).error().code, ErrorCode::kConflict)
      << "a finished job is not finished twice";
}

TEST_P(JobsTest, ABatchCompletesOnlyTheJobsWhoseLeaseStillMatches) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(jobs::Enqueue(*Write(), {.kind = "a"}));
  const Lease lease = MakeLease();
  auto claimed = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 10, lease); });
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 3u);
  const std::string& a = (*claimed)[0].id;
  const std::string& b = (*claimed)[1].id;
  const std::string& c = (*claimed)[2].id;
  const std::vector<Completion> batch = {
      {a, lease.token, R"({"text":"\"quoted\" caf\u00e9 ☕"})"},
      {b, "another-workers-token", R"({"n":2})"},
      {c, lease.token, ""},
  };
  auto completed = Transact(db(), Access::kWrite, [&](Connection& conn) {
    return jobs::CompleteMany(conn, batch, NowTimestamp());
  });
  ASSERT_TRUE(completed) << completed.error().message;
  EXPECT_EQ(std::set<std::string>(completed->begin(), completed->end()), (std::set<std::string>{a, c}));
  auto first = jobs::GetAny(*Write(), a);
  EXPECT_EQ(first->status, "completed");
  ASSERT_TRUE(first->result);
  EXPECT_NE(first->result->find("quoted"), std::string::npos);
  EXPECT_NE(first->result->find("☕"), std::string::npos) << *first->result;
  EXPECT_EQ(jobs::GetAny(*Write(), b)->status, "processing");
  auto third = jobs::GetAny(*Write(), c);
  EXPECT_EQ(third->status, "completed");
  EXPECT_FALSE(third->result);
}

TEST_P(JobsTest, ClaimsRespectKindsPriorityAndRunAt) {
  ASSERT_TRUE(jobs::Enqueue(*Write(), {.kind = "other"}));
  ASSERT_TRUE(jobs::Enqueue(*Write(), {.kind = "a", .priority = 1}));
  auto high = jobs::Enqueue(*Write(), {.kind = "b", .priority = 9});
  ASSERT_TRUE(jobs::Enqueue(*Write(), {.kind = "a", .run_at = "2999-01-01T00:00:00.000Z"}));
  auto claimed = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, MakeLease()); });
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, high->id) << "highest priority first";
  auto rest = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 10, MakeLease()); });
  EXPECT_EQ(rest->size(), 1u) << "other kinds and future jobs stay";
}

TEST_P(JobsTest, ConcurrentClaimersNeverTakeTheSameJob) {
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(jobs::Enqueue(*Write(), {.kind = "a"}));
  std::mutex mu;
  std::multiset<std::string> taken;
  std::vector<std::thread> claimers;
  auto other = test_->OpenAnother(4);
  for (int t = 0; t < 4; ++t) {
    claimers.emplace_back([&, t] {
      Database& d = t % 2 == 0 ? db() : *other;
      for (;;) {
        auto got = Transact(d, Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 3, MakeLease()); });
        if (!got || got->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& j : *got) taken.insert(j.id);
      }
    });
  }
  for (auto& c : claimers) c.join();
  EXPECT_EQ(taken.size(), 60u);
  EXPECT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(), 60u) << "a job was claimed twice";
}

TEST_P(JobsTest, FailuresRetryUntilAttemptsRunOut) {
  auto job = jobs::Enqueue(*Write(), {.kind = "a", .max_attempts = 2});
  for (int attempt = 1; attempt <= 2; ++attempt) {
    const Lease lease = MakeLease();
    auto claimed = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, lease); });
    ASSERT_EQ(claimed->size(), 1u) << "attempt " << attempt;
    EXPECT_EQ((*claimed)[0].attempts, attempt);
    auto failed = jobs::Fail(*Write(), job->id, lease.token, "boom " + std::to_string(attempt),
                             std::string_view("2000-01-01T00:00:00.000Z"), NowTimestamp());
    ASSERT_TRUE(failed) << failed.error().message;
    EXPECT_EQ(failed->status, attempt < 2 ? "pending" : "failed");
    EXPECT_EQ(failed->last_error, "boom " + std::to_string(attempt));
  }
  auto none = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, MakeLease()); });
  EXPECT_TRUE(none->empty());
}

TEST_P(JobsTest, ExpiredLeasesAreReclaimedAndHeartbeatsKeepThem) {
  auto kept = jobs::Enqueue(*Write(), {.kind = "a"});
  auto lost = jobs::Enqueue(*Write(), {.kind = "a", .max_attempts = 3});
  auto exhausted = jobs::Enqueue(*Write(), {.kind = "b", .max_attempts = 1});
  const Lease short_lease = MakeLease(50ms);
  auto claimed = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 10, short_lease); });
  ASSERT_EQ(claimed->size(), 3u);
  std::this_thread::sleep_for(120ms);
  // Too late for a heartbeat to save the leases... but one job's lease is renewed first.
  Lease renew = short_lease;
  renew.now = NowTimestamp();
  renew.expires_at = FormatTimestamp(std::chrono::system_clock::now() + 30s);
  const std::vector<std::string> kept_id = {kept->id};
  auto held = jobs::Heartbeat(*Write(), kept_id, renew);
  ASSERT_EQ(held->size(), 1u) << "a lease not yet reclaimed can still be renewed";
  auto reaped = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::ReapExpired(c, NowTimestamp()); });
  ASSERT_TRUE(reaped) << reaped.error().message;
  ASSERT_EQ(reaped->size(), 1u);
  EXPECT_EQ((*reaped)[0].id, exhausted->id);
  EXPECT_EQ((*reaped)[0].status, "failed");
  EXPECT_EQ(jobs::GetAny(*Write(), lost->id)->status, "pending");
  EXPECT_EQ(jobs::GetAny(*Write(), kept->id)->status, "processing");
  auto again = Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 10, MakeLease()); });
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2) << "the lost job runs again with attempts + 1";
  EXPECT_EQ(jobs::Complete(*Write(), lost->id, short_lease.token, "{}", NowTimestamp()).error().code,
            ErrorCode::kConflict)
      << "the first worker's late completion is refused";
  const std::vector<std::string> lost_id = {lost->id};
  EXPECT_TRUE(jobs::Heartbeat(*Write(), lost_id, renew)->empty()) << "nor can it heartbeat";
}

TEST_P(JobsTest, CancellationAndOwnership) {
  const std::string alice = MakeUser("alice"), bob = MakeUser("bob");
  auto pending = jobs::Enqueue(*Write(), {.kind = "a", .user_id = alice});
  auto cancelled = jobs::RequestCancel(*Write(), alice, pending->id, NowTimestamp());
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(jobs::RequestCancel(*Write(), alice, pending->id, NowTimestamp()).error().code, ErrorCode::kConflict);

  auto running = jobs::Enqueue(*Write(), {.kind = "a", .user_id = alice});
  const Lease lease = MakeLease();
  ASSERT_EQ(Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, lease); })->size(), 1u);
  EXPECT_EQ(jobs::RequestCancel(*Write(), bob, running->id, NowTimestamp()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(jobs::Get(*Write(), bob, running->id).error().code, ErrorCode::kNotFound);
  auto asked = jobs::RequestCancel(*Write(), alice, running->id, NowTimestamp());
  EXPECT_EQ(asked->status, "processing");
  EXPECT_TRUE(asked->cancel_requested);
  const std::vector<std::string> ids = {running->id};
  EXPECT_TRUE((*jobs::Heartbeat(*Write(), ids, lease))[0].cancel_requested) << "the worker hears it";
  ASSERT_TRUE(jobs::AcknowledgeCancel(*Write(), running->id, lease.token, NowTimestamp()));
  EXPECT_EQ(jobs::Get(*Write(), alice, running->id)->status, "cancelled");
  EXPECT_EQ(jobs::List(*Write(), alice, {.status = "cancelled"}, {})->items.size(), 2u);
  EXPECT_TRUE(jobs::List(*Write(), bob, {}, {})->items.empty());
}

TEST_P(JobsTest, ReleaseAndPurge) {
  auto job = jobs::Enqueue(*Write(), {.kind = "a", .payload = R"({"big":"data"})"});
  const Lease lease = MakeLease();
  ASSERT_EQ(Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, lease); })->size(), 1u);
  const std::vector<std::string> ids = {job->id};
  ASSERT_TRUE(jobs::Release(*Write(), ids, lease));
  auto released = jobs::GetAny(*Write(), job->id);
  EXPECT_EQ(released->status, "pending");
  EXPECT_EQ(released->attempts, 0) << "a job handed back unstarted does not count an attempt";

  const Lease again = MakeLease();
  ASSERT_EQ(Transact(db(), Access::kWrite, [&](Connection& c) { return jobs::Claim(c, kKinds, 1, again); })->size(), 1u);
  ASSERT_TRUE(jobs::Complete(*Write(), job->id, again.token, R"({"r":1})", "2020-01-01T00:00:00.000Z"));
  EXPECT_EQ(*jobs::PurgeFinished(*Write(), "2021-01-01T00:00:00.000Z"), 1);
  auto purged = jobs::GetAny(*Write(), job->id);
  EXPECT_FALSE(purged->payload);
  EXPECT_FALSE(purged->result);
  EXPECT_EQ(purged->status, "completed") << "the row stays";
  EXPECT_EQ(*jobs::PurgeFinished(*Write(), "2021-01-01T00:00:00.000Z"), 0);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(JobsTest);

}  // namespace
}  // namespace chorus::store
