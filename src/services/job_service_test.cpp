#include "services/job_service.h"

#include <gtest/gtest.h>

#include "auth/secret_box.h"
#include "tests/support/migrated_db.h"
#include "tests/support/run_task.h"

namespace chorus::services {
namespace {

using chorus::testing::RunTask;

class JobServiceTest : public chorus::testing::MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    box_ = std::make_unique<auth::SecretBox>(*auth::SecretBox::Open(keys_.path(), ""));
    secrets_ = std::make_unique<jobs::WebhookSecrets>(db(), *box_);
    async_ = std::make_unique<store::AsyncDb>(db(), blocking_);
    notifier_ = std::make_unique<jobs::JobNotifier>(db(), signal_);
    alice_ = {.user_id = MakeUser("alice"), .access_role = "user", .account_type = "registered"};
    bob_ = {.user_id = MakeUser("bob"), .access_role = "user", .account_type = "registered"};
  }

  JobService Service(const http::client::UrlGuard& guard) {
    return JobService(*async_, blocking_, guard, *secrets_, *notifier_);
  }

  store::Job Enqueue(const Caller& owner) {
    auto job = store::jobs::Enqueue(*Write(), {.kind = "test.echo", .user_id = owner.user_id});
    EXPECT_TRUE(job) << job.error().message;
    return *job;
  }

  chorus::testing::TempDir keys_;
  BlockingPool blocking_{2};
  std::unique_ptr<auth::SecretBox> box_;
  std::unique_ptr<jobs::WebhookSecrets> secrets_;
  std::unique_ptr<store::AsyncDb> async_;
  jobs::JobSignal signal_;
  std::unique_ptr<jobs::JobNotifier> notifier_;
  Caller alice_, bob_;
};

TEST_P(JobServiceTest, CallbackUrlsToPrivateAddressesAreRefusedUnlessAllowlisted) {
  const auto strict = *http::client::UrlGuard::Make({});
  JobService jobs = Service(strict);
  for (const char* url : {"http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://169.254.169.254/latest",
                          "http://2130706433/", "http://0177.0.0.1/", "http://localhost/hook", "http://10.1.2.3/"}) {
    Status checked = RunTask(jobs.CheckCallbackUrl(url));
    ASSERT_FALSE(checked) << url;
    EXPECT_EQ(checked.error().code, ErrorCode::kPermissionDenied) << url;
    EXPECT_EQ(checked.error().param, "callback_url") << url;
  }
  Status scheme = RunTask(jobs.CheckCallbackUrl("file:///etc/passwd"));
  ASSERT_FALSE(scheme);
  EXPECT_EQ(scheme.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(scheme.error().param, "callback_url");

  const auto loopback = *http::client::UrlGuard::Make({"127.0.0.0/8"});
  JobService trusting = Service(loopback);
  EXPECT_TRUE(RunTask(trusting.CheckCallbackUrl("http://127.0.0.1:8080/hook")));
  EXPECT_FALSE(RunTask(trusting.CheckCallbackUrl("http://10.1.2.3/hook")));
}

TEST_P(JobServiceTest, AnotherUsersJobIsNotFoundAndNotCancelled) {
  const auto guard = *http::client::UrlGuard::Make({});
  JobService jobs = Service(guard);
  const store::Job mine = Enqueue(alice_);
  for (auto result : {RunTask(jobs.Get(bob_, mine.id)), RunTask(jobs.Cancel(bob_, mine.id))}) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(RunTask(jobs.Get(alice_, mine.id))->status, "pending");
  auto listed = RunTask(jobs.List(bob_, {}, {.limit = 10}));
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->items.empty());
}

TEST_P(JobServiceTest, CancellingAPendingJobIsImmediateAndAFinishedOneConflicts) {
  const auto guard = *http::client::UrlGuard::Make({});
  JobService jobs = Service(guard);
  const store::Job job = Enqueue(alice_);
  auto cancelled = RunTask(jobs.Cancel(alice_, job.id));
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_TRUE(cancelled->finished_at.has_value());

  Exec("UPDATE jobs SET status = 'completed' WHERE id = '" + Enqueue(alice_).id + "'");
  auto listed = RunTask(jobs.List(alice_, {.status = "completed"}, {.limit = 10}));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->items.size(), 1u);
  auto again = RunTask(jobs.Cancel(alice_, listed->items[0].id));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);

  auto bad = RunTask(jobs.List(alice_, {.status = "stuck"}, {.limit = 10}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().param, "status");
}

TEST_P(JobServiceTest, TheWebhookSecretIsStableUntilRotatedAndStoredSealed) {
  const auto guard = *http::client::UrlGuard::Make({});
  JobService jobs = Service(guard);
  auto first = RunTask(jobs.WebhookSecret(alice_));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_GE(first->size(), 32u);
  EXPECT_EQ(*RunTask(jobs.WebhookSecret(alice_)), *first);
  EXPECT_NE(*RunTask(jobs.WebhookSecret(bob_)), *first);
  auto rotated = RunTask(jobs.RotateWebhookSecret(alice_));
  ASSERT_TRUE(rotated);
  EXPECT_NE(*rotated, *first);
  EXPECT_EQ(*RunTask(jobs.WebhookSecret(alice_)), *rotated);
  // The stored bytes are ciphertext: the secret does not appear in them.
  auto rows = Write()->Exec("SELECT secret_ciphertext FROM webhook_secrets");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  for (const auto& row : *rows) EXPECT_EQ(row.BlobBytes(0).find(*rotated), std::string::npos);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(JobServiceTest);

}  // namespace
}  // namespace chorus::services
