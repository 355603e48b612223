// The worker pool in-process against both databases, with test handlers.
#include "jobs/worker_pool.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <thread>

#include "base/strings.h"
#include "base/time.h"
#include "jobs/webhooks.h"
#include "store/transaction.h"
#include "store/transcriptions.h"
#include "store/webhooks.h"
#include "tests/support/migrated_db.h"
#include "tests/support/webhook_receiver.h"

namespace chorus::jobs {
namespace {

using namespace std::chrono_literals;
using store::Connection;

class EchoHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext& c) override { return std::string(R"({"echo":)") + c.job().payload.value_or("null") + "}"; }
};

// Fails with a passing error until its third attempt.
class FlakyHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext& c) override {
    if (c.job().attempts < 3) return Unexpected(ErrorCode::kUnavailable, "not yet");
    return std::string("{}");
  }
};

class BadInputHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext&) override { return Unexpected(ErrorCode::kInvalidArgument, "unreadable input"); }
};

// Runs until asked to stop.
class BlockingHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext& c) override {
    started = true;
    while (!c.stop_requested()) std::this_thread::sleep_for(10ms);
    return Unexpected(ErrorCode::kCancelled, "stopped");
  }
  std::atomic<bool> started{false};
};

// A transcription-like domain job: its row follows the job through the hooks.
class DomainHandler final : public JobHandler {
 public:
  Result<std::string> Run(JobContext&) override { return std::string(R"({"text":"go forward ten meters"})"); }
  Status OnStarted(Connection& c, const store::Job& job) override {
    return store::transcriptions::MarkProcessing(c, *job.subject_id);
  }
  Status OnFinished(Connection& c, const store::Job& job, const JobOutcome& outcome) override {
    if (outcome.status == "completed") {
      return store::transcriptions::Complete(c, *job.subject_id, {.transcript_text = "go forward ten meters", .duration = 2},
                                             NowTimestamp());
    }
    return store::transcriptions::Fail(c, *job.subject_id, outcome.error, NowTimestamp());
  }
};

class WorkerPoolTest : public testing::MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    registry_.Add("test.echo", echo_);
    registry_.Add("test.flaky", flaky_);
    registry_.Add("test.bad", bad_);
    registry_.Add("test.block", block_);
    registry_.Add("test.domain", domain_);
  }
  void TearDown() override {
    if (pool_) pool_->Stop(5s);
  }

  void StartPool(WorkerSettings s = {}) {
    s.poll_interval = 20ms;
    s.backoff_base = 10ms;
    s.backoff_max = 50ms;
    if (s.lease == WorkerSettings{}.lease) s.lease = 600ms;
    pool_ = std::make_unique<WorkerPool>(db(), registry_, signal_, s);
    pool_->Start();
  }

  store::Job Enqueue(store::NewJob job) {
    auto made = store::jobs::Enqueue(*Write(), job);
    EXPECT_TRUE(made) << made.error().message;
    signal_.Notify();
    return *made;
  }

  // Waits until the job reaches `status`; returns it as it then is.
  store::Job WaitFor(const std::string& id, const std::string& status, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    store::Job job;
    while (std::chrono::steady_clock::now() < deadline) {
      job = *store::jobs::GetAny(*Write(), id);
      if (job.status == status) return job;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "job " << id << " is " << job.status << ", not " << status;
    return job;
  }

  EchoHandler echo_;
  FlakyHandler flaky_;
  BadInputHandler bad_;
  BlockingHandler block_;
  DomainHandler domain_;
  HandlerRegistry registry_;
  JobSignal signal_;
  std::unique_ptr<WorkerPool> pool_;
};

TEST_P(WorkerPoolTest, RunsEveryJobOnce) {
  StartPool({.workers = 2, .prefetch = 2});
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Enqueue({.kind = "test.echo", .payload = std::to_string(i)}).id);
  for (int i = 0; i < 40; ++i) {
    auto job = WaitFor(ids[i], "completed");
    EXPECT_EQ(boost::json::parse(*job.result).at("echo").to_number<int>(), i);
    EXPECT_EQ(job.attempts, 1);
  }
}

TEST_P(WorkerPoolTest, PassingErrorsRetryWithBackoffThenSucceed) {
  StartPool();
  auto job = WaitFor(Enqueue({.kind = "test.flaky"}).id, "completed");
  EXPECT_EQ(job.attempts, 3);
}

TEST_P(WorkerPoolTest, BadInputFailsAtOnceAndRetriesStopAtMaxAttempts) {
  StartPool();
  auto bad = WaitFor(Enqueue({.kind = "test.bad"}).id, "failed");
  EXPECT_EQ(bad.attempts, 1);
  EXPECT_EQ(bad.last_error, "unreadable input");
  auto flaky = WaitFor(Enqueue({.kind = "test.flaky", .max_attempts = 2}).id, "failed");
  EXPECT_EQ(flaky.attempts, 2);
  EXPECT_EQ(flaky.last_error, "not yet");
}

TEST_P(WorkerPoolTest, CancellingARunningJobStopsItCooperatively) {
  const std::string user = MakeUser("alice");
  StartPool();
  auto job = Enqueue({.kind = "test.block", .user_id = user});
  WaitFor(job.id, "processing");
  while (!block_.started) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(store::jobs::RequestCancel(*Write(), user, job.id, NowTimestamp()));
  auto cancelled = WaitFor(job.id, "cancelled", 3s);
  EXPECT_TRUE(cancelled.finished_at);
}

TEST_P(WorkerPoolTest, TheDomainRowFollowsItsJob) {
  const std::string user = MakeUser("alice");
  // The domain row and its job are made in one transaction.
  auto made = store::Transact(db(), store::Access::kWrite, [&](Connection& c) -> Result<std::string> {
    CHORUS_ASSIGN_OR_RETURN(auto t, store::transcriptions::Create(c, user, {}));
    CHORUS_TRY(store::jobs::Enqueue(c, {.kind = "test.domain", .user_id = user, .subject_type = "transcription",
                                        .subject_id = t.id}));
    return t.id;
  });
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(store::transcriptions::Get(*Write(), user, *made)->status, "pending");
  StartPool();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (store::transcriptions::Get(*Write(), user, *made)->status != "completed" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  auto row = store::transcriptions::Get(*Write(), user, *made);
  EXPECT_EQ(row->status, "completed");
  EXPECT_EQ(row->transcript_text, "go forward ten meters");
}

TEST_P(WorkerPoolTest, StoppingHandsBackJobsThatHaveNotStarted) {
  StartPool({.workers = 1, .prefetch = 5});
  auto running = Enqueue({.kind = "test.block"});
  std::vector<std::string> waiting;
  for (int i = 0; i < 4; ++i) waiting.push_back(Enqueue({.kind = "test.block"}).id);
  WaitFor(running.id, "processing");
  while (!block_.started) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(100ms);  // the others are claimed into the queue by now
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    (void)store::jobs::RequestCancel(*Write(), "", running.id, NowTimestamp());
  });
  // Stop: the running job keeps going until its grace (it never stops by itself); the queued ones
  // go back to pending with their attempt uncounted.
  pool_->Stop(300ms);
  canceller.join();
  pool_.reset();
  for (const auto& id : waiting) {
    auto job = *store::jobs::GetAny(*Write(), id);
    EXPECT_EQ(job.status, "pending") << id;
    EXPECT_EQ(job.attempts, 0) << id;
  }
}

TEST_P(WorkerPoolTest, WebhooksAreSignedRetriedAndRecorded) {
  testing::WebhookReceiver receiver(/*failures=*/2);
  testing::TempDir keys;
  auto box = auth::SecretBox::Open(keys.path(), "");
  auto guard = http::client::UrlGuard::Make({"127.0.0.1/32"});
  http::client::Client client(*guard, {});
  WebhookSecrets secrets(db(), *box);
  WebhookHandler webhooks(db(), secrets, client);
  registry_.Add(kWebhookKind, webhooks);
  const std::string user = MakeUser("alice");
  StartPool();
  auto job = Enqueue({.kind = "test.echo", .user_id = user, .payload = "7", .callback_url = receiver.Url()});
  WaitFor(job.id, "completed");
  ASSERT_TRUE(receiver.WaitFor(3, 15s)) << "two failures, then the event gets through";
  const auto received = receiver.Received();
  ASSERT_EQ(received.size(), 3u);
  const std::string& body = received.back().body;
  EXPECT_TRUE(testing::SignatureVerifies(*secrets.GetOrCreate(user), received.back().signature, body));
  auto event = boost::json::parse(body);
  EXPECT_EQ(event.at("type").as_string(), "job.completed");
  EXPECT_EQ(event.at("data").at("id").as_string(), job.id);
  EXPECT_EQ(event.at("data").at("result").at("echo").to_number<int>(), 7);
  // Each attempt is recorded just after its response arrives.
  auto deliveries = store::webhooks::DeliveriesForJob(*Write(), job.id);
  for (int i = 0; i < 250 && deliveries && deliveries->size() < 3; ++i) {
    std::this_thread::sleep_for(20ms);
    deliveries = store::webhooks::DeliveriesForJob(*Write(), job.id);
  }
  ASSERT_EQ(deliveries->size(), 3u);
  EXPECT_EQ((*deliveries)[0].status_code, 500);
  EXPECT_EQ((*deliveries)[2].status_code, 200);
  EXPECT_EQ((*deliveries)[2].attempt, 3);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(WorkerPoolTest);

}  // namespace
}  // namespace chorus::jobs
