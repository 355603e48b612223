// `chorus worker` as a process: it runs the jobs it knows against the shared database (a webhook
// delivery here, to a receiver on loopback that the allowlist opens), then stops cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <thread>

#include "auth/secret_box.h"
#include "jobs/webhooks.h"
#include "store/jobs.h"
#include "store/users.h"
#include "tests/support/process.h"
#include "tests/support/test_db.h"
#include "tests/support/webhook_receiver.h"

namespace chorus {
namespace {

using namespace std::chrono_literals;

class WorkerTest : public ::testing::TestWithParam<store::Dialect> {};

TEST_P(WorkerTest, DeliversASignedWebhookAndStopsOnSigterm) {
  auto test = testing::TestDatabase::Create(GetParam());
  testing::TempDir dir;
  const auto data = dir.path() / "data";
  auto [migrated, migrate_log] =
      testing::RunCommand({CHORUS_BINARY, "migrate", "--database", test->url(), "--data-dir", data.string()});
  ASSERT_EQ(migrated, 0) << migrate_log;

  testing::WebhookReceiver receiver(/*failures=*/0, /*status=*/204);
  std::string job_id, user_id;
  {
    auto c = test->db().Acquire(store::Access::kWrite);
    auto user = store::users::Create(**c, {.email = "w@example.com", .username = "worker_user",
                                           .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$x$y"});
    ASSERT_TRUE(user) << user.error().message;
    user_id = user->id;
    // A finished job of the user's, and the delivery of its event, as the worker pool enqueues it.
    auto job = store::jobs::Enqueue(**c, {.kind = "transcription", .user_id = user_id, .callback_url = receiver.Url()});
    ASSERT_TRUE(job);
    job_id = job->id;
    ASSERT_TRUE((*c)->Exec("UPDATE jobs SET status = 'completed', finished_at = created_at WHERE id = $1", job_id));
    ASSERT_TRUE(store::jobs::Enqueue(**c, {.kind = "webhook.deliver", .user_id = user_id, .subject_type = "job",
                                           .subject_id = job_id,
                                           .payload = R"({"job_id":")" + job_id + R"(","event":"job.completed"})"}));
  }

  auto worker = testing::ChildProcess::Start(
      {CHORUS_BINARY, "worker", "--database", test->url(), "--data-dir", data.string()},
      {"CHORUS_OUTBOUND_ALLOW=127.0.0.1/32", "CHORUS_JOBS_POLL_INTERVAL=50ms"}, dir.path() / "worker.log");
  ASSERT_TRUE(worker->WaitForOutput("worker ready", 20s)) << worker->Output();
  ASSERT_TRUE(receiver.WaitFor(1, 20s)) << worker->Output();

  // The signature verifies with the user's secret, which the worker sealed under the data dir's key.
  auto box = auth::SecretBox::Open(data, "");
  ASSERT_TRUE(box) << box.error().message;
  jobs::WebhookSecrets secrets(test->db(), *box);
  auto secret = secrets.GetOrCreate(user_id);
  ASSERT_TRUE(secret);
  const auto delivery = receiver.Received().front();
  const std::string& body = delivery.body;
  EXPECT_TRUE(testing::SignatureVerifies(*secret, delivery.signature, body));
  const auto event = boost::json::parse(body).as_object();
  EXPECT_EQ(event.at("type").as_string(), "job.completed");
  EXPECT_EQ(event.at("data").at("id").as_string(), job_id);

  worker->Signal(SIGTERM);
  EXPECT_EQ(worker->Wait(20s), 0) << worker->Output();
  auto c = test->db().Acquire(store::Access::kRead);
  auto rows = (*c)->Exec("SELECT status_code FROM webhook_deliveries WHERE job_id = $1", job_id);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].Int(0), 204);
}

TEST_P(WorkerTest, RefusesToStartOnAnUnmigratedDatabase) {
  auto test = testing::TestDatabase::Create(GetParam());
  testing::TempDir dir;
  auto [status, output] = testing::RunCommand(
      {CHORUS_BINARY, "worker", "--database", test->url(), "--data-dir", (dir.path() / "data").string()});
  EXPECT_EQ(status, 1) << output;
  EXPECT_NE(output.find("not migrated"), std::string::npos) << output;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(WorkerTest);

}  // namespace
}  // namespace chorus
