// Stored speech through the real binary: POST /api/v1/speech, the cache, tracks, alignments, HTTP
// ranges, ownership and cascading deletes, on both databases.
#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/integration/identity_fixture.h"
#include "tests/support/http_client.h"
#include "tests/support/webhook_receiver.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;

class TrackTest : public IdentityTest {
 protected:
  HttpResponse Audio(const std::string& id, const std::string& token, const std::string& range = "") {
    std::string headers = "Authorization: Bearer " + token + "\r\n";
    if (!range.empty()) headers += "Range: " + range + "\r\n";
    auto r = Fetch(server_->port(), "GET", "/api/v1/tracks/" + id + "/audio", {}, headers);
    EXPECT_TRUE(r);
    return r ? *r : HttpResponse();
  }
  size_t Blobs() {
    size_t n = 0;
    const auto root = dir_.path() / "data" / "blobs";
    if (!std::filesystem::exists(root)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) n += e.is_regular_file();
    return n;
  }
};

TEST_P(TrackTest, StoresReusesServesRangesAndDeletes) {
  Start();
  const std::string token = SignUp("ann");
  const json::object body{{"input", "Tracks are stored once and served in ranges."}, {"voice", "fable"}};
  auto first = api().Post("/api/v1/speech", body, token);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.json.at("cached").as_bool());
  const std::string id = first.Str("id");
  EXPECT_NE(first.Str("url").find("/api/v1/tracks/" + id + "/audio"), std::string::npos);
  auto again = api().Post("/api/v1/speech", body, token);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_TRUE(again.json.at("cached").as_bool());
  EXPECT_EQ(again.Str("id"), id) << "an identical request reuses the stored track";
  EXPECT_EQ(Blobs(), 1u);
  // Both requests are metered; only the synthesis counts characters and seconds.
  auto usage = Sql("SELECT request_count, characters, audio_seconds FROM usage_metrics WHERE service = 'tts'");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].Int(0), 2);
  EXPECT_EQ(usage[0].Int(1), 44);  // "Tracks are stored once and served in ranges."
  EXPECT_GT(usage[0].Double(2), 1.0);

  const HttpResponse whole = Audio(id, token);
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.Header("Content-Type"), "audio/mpeg");
  EXPECT_EQ(whole.Header("Accept-Ranges"), "bytes");
  const size_t size = whole.body.size();
  ASSERT_GT(size, 1000u);
  const HttpResponse head = Audio(id, token, "bytes=0-99");
  EXPECT_EQ(head.status, 206);
  EXPECT_EQ(head.body, whole.body.substr(0, 100));
  EXPECT_EQ(head.Header("Content-Range"), "bytes 0-99/" + std::to_string(size));
  const HttpResponse tail = Audio(id, token, "bytes=-10");
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, whole.body.substr(size - 10));
  const HttpResponse open_ended = Audio(id, token, "bytes=" + std::to_string(size - 5) + "-");
  EXPECT_EQ(open_ended.body, whole.body.substr(size - 5));
  const HttpResponse beyond = Audio(id, token, "bytes=" + std::to_string(size) + "-");
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(beyond.Header("Content-Range"), "bytes */" + std::to_string(size));

  auto alignment = api().Get("/api/v1/tracks/" + id + "/alignment", token);
  ASSERT_EQ(alignment.status, 200) << alignment.body;
  std::string joined;
  for (const auto& c : alignment.json.at("characters").as_array()) joined += c.as_string();
  EXPECT_EQ(joined, "Tracks are stored once and served in ranges.");
  EXPECT_EQ(api().Get("/api/v1/tracks", token).json.at("data").as_array().size(), 1u);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM tts_requests WHERE status = 'completed'")[0].Int(0), 2);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audio_generation_history")[0].Int(0), 2);

  const std::string other = SignUp("bob");
  EXPECT_EQ(api().Get("/api/v1/tracks/" + id, other).status, 404);
  EXPECT_EQ(Audio(id, other).status, 404);
  EXPECT_EQ(api().Get("/api/v1/tracks/" + id + "/alignment", other).status, 404);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/tracks/" + id, {}, other).status, 404);
  EXPECT_EQ(Audio(id, token).status, 200) << "no side effect";

  EXPECT_EQ(api().Call("DELETE", "/api/v1/tracks/" + id, {}, token).status, 204);
  EXPECT_EQ(api().Get("/api/v1/tracks/" + id, token).status, 404);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audio_alignments")[0].Int(0), 0) << "cascaded";
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audio_generation_history")[0].Int(0), 0) << "cascaded";
  EXPECT_EQ(Blobs(), 0u) << "the audio went with its last track";

  auto bad = api().Post("/api/v1/speech", {{"input", " "}, {"voice", "alloy"}}, token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.ErrorParam(), "input");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audio_tracks")[0].Int(0), 0) << "a bad request stores nothing";
}

TEST_P(TrackTest, QueuedSpeechRunsAsAJobWithAWebhook) {
  WebhookReceiver receiver(/*failures=*/0, /*status=*/204);
  Start({}, {"CHORUS_OUTBOUND_ALLOW=127.0.0.1/32", "CHORUS_JOBS_POLL_INTERVAL=50ms"});
  const std::string token = SignUp("quinn");
  auto bad = api().Post("/api/v1/speech", {{"input", "x"}, {"voice", "nobody"}, {"async", true}}, token);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.ErrorParam(), "voice");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM jobs")[0].Int(0), 0) << "a bad request queues nothing";

  auto queued = api().Post("/api/v1/speech",
                           {{"input", "Queued words arrive later."}, {"voice", "nova"}, {"callback_url", receiver.Url()}},
                           token);
  ASSERT_EQ(queued.status, 202) << queued.body;
  EXPECT_EQ(queued.Str("object"), "speech.job");
  const std::string job_id = queued.Str("job_id");
  const std::string tts_id = queued.Str("tts_request_id");
  std::string status;
  ApiResponse job;
  for (int i = 0; i < 200 && status != "completed" && status != "failed"; ++i) {
    job = api().Get("/api/v1/jobs/" + job_id, token);
    status = job.Str("status");
    if (status != "completed" && status != "failed") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status, "completed") << job.body << Log();
  const std::string track_id(job.json.at("result").at("track_id").as_string());
  EXPECT_EQ(job.json.at("result").at("tts_request_id").as_string(), tts_id);
  EXPECT_EQ(api().Get("/api/v1/tracks/" + track_id, token).status, 200);
  EXPECT_EQ(Audio(track_id, token).status, 200);
  EXPECT_EQ(Sql("SELECT status FROM tts_requests WHERE id = $1", {tts_id})[0].Text(0), "completed");
  ASSERT_TRUE(receiver.WaitFor(1, std::chrono::seconds(20))) << Log();
  EXPECT_NE(receiver.Received()[0].body.find(job_id), std::string::npos);

  const std::string other = SignUp("rory");
  EXPECT_EQ(api().Get("/api/v1/jobs/" + job_id, other).status, 404);
}

CHORUS_INSTANTIATE_FOR_BACKENDS(TrackTest);

}  // namespace
}  // namespace chorus::testing
