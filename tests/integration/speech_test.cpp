// Text-to-speech through the real binary with the real espeak-ng and FFmpeg: every format decodes
// to the same duration, timings keep their invariants, bad requests name their field, and a long
// text starts streaming long before it is done.
#include <chrono>
#include <fstream>
#include <thread>

#include "base/encoding.h"
#include "media/audio_probe.h"
#include "tests/integration/identity_fixture.h"
#include "tests/support/fake_llm.h"
#include "tests/support/http_client.h"
#include "tests/support/speech_audio.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

class SpeechTest : public IdentityTest {
 protected:
  ApiResponse Speak(const json::object& body, const std::string& token) {
    return api().Post("/v1/audio/speech", body, token);
  }
  static json::object Body(std::string input, std::string format = "mp3") {
    return json::object{{"model", "tts-1"}, {"input", input}, {"voice", "alloy"}, {"response_format", format}};
  }
};

// The speech libraries (FFmpeg, espeak-ng, PocketSphinx) live in a module loaded on first use: a node
// that never speaks does not map them.
TEST_P(SpeechTest, TheSpeechLibrariesAreLoadedOnFirstUse) {
  Start();
  auto maps = [this] { return ReadFileBytes("/proc/" + std::to_string(server_->process().pid()) + "/maps"); };
  const std::string token = SignUp("lee");
  EXPECT_EQ(maps().find("libavcodec"), std::string::npos);
  EXPECT_EQ(maps().find("libespeak-ng"), std::string::npos);
  EXPECT_EQ(maps().find("libchorus-speech"), std::string::npos);
  auto r = Speak(Body("Loaded when needed."), token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(maps().find("libchorus-speech"), std::string::npos);
  EXPECT_NE(maps().find("libavcodec"), std::string::npos);
}

TEST_P(SpeechTest, VoicesAndPricesComeFromTheConfiguration) {
  Start({"--set", "tts.voices=narrator=en-gb-x-rp:30,alloy=de:60,ghost=xx-nowhere", "--set", "tts.prices=tts-1=15"});
  const std::string token = SignUp("max");
  auto voices = api().Get("/v1/audio/voices", token);
  ASSERT_EQ(voices.status, 200) << voices.body;
  EXPECT_NE(voices.body.find(R"("id":"narrator")"), std::string::npos) << voices.body;
  json::object body = Body("A narrator speaks.");
  body["voice"] = "narrator";
  auto r = Speak(body, token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.raw.Header("Content-Type"), "audio/mpeg");
  // Metering follows the stream's end: poll briefly.
  double cost = 0;
  for (int i = 0; i < 50 && cost == 0; ++i) {
    auto rows = Sql("SELECT cost FROM usage_metrics WHERE service = 'tts'");
    if (!rows.empty()) cost = rows[0].Double(0);
    if (cost == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NEAR(cost, 15.0 * 18 / 1e6, 1e-9);
  // A name configured on a voice espeak-ng does not have is refused before any audio.
  body["voice"] = "ghost";
  auto ghost = Speak(body, token);
  EXPECT_EQ(ghost.status, 400) << ghost.body;
  EXPECT_EQ(ghost.ErrorParam(), "voice");
}

TEST_P(SpeechTest, ProviderSpeechModelsAreServedUpstream) {
  FakeLlm fake;
  const auto file = dir_.path() / "chorus.toml";
  std::ofstream(file) << "[providers.cloud]\nkind = \"openai\"\nbase_url = \"" << fake.BaseUrl()
                      << "\"\napi_key = \"env:CLOUD_KEY\"\nspeech_models = [\"tts-cloud=tts-1-hd\"]\n";
  Start({"--config", file.string(), "--set", "tts.prices=tts-cloud=30"}, {"CLOUD_KEY=sk-cloud-tts"});
  const std::string token = SignUp("uma");
  json::object body = Body("Twenty characters!!", "wav");  // 19 characters: 0.95 s of the fake's tone
  body["model"] = "tts-cloud";
  body["voice"] = "shimmer";
  auto r = Speak(body, token);
  ASSERT_EQ(r.status, 200) << r.body;
  auto info = media::ProbeAudio(r.body);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_NEAR(info->duration_seconds, 0.95, 0.05) << "the provider's audio, re-encoded";
  const auto sent = fake.LastRequest();
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->path, "/v1/audio/speech");
  EXPECT_EQ(sent->authorization, "Bearer sk-cloud-tts");
  EXPECT_NE(sent->body.find(R"("model":"tts-1-hd")"), std::string::npos) << sent->body;
  EXPECT_NE(sent->body.find(R"("voice":"shimmer")"), std::string::npos) << sent->body;

  // Timestamps are estimated but keep their invariants; stored tracks work the same.
  body["response_format"] = "json";
  auto timed = Speak(body, token);
  ASSERT_EQ(timed.status, 200) << timed.body;
  EXPECT_EQ(timed.json.at("words").as_array().size(), 2u);
  auto stored = api().Post("/api/v1/speech", {{"model", "tts-cloud"}, {"input", "Stored upstream."}, {"voice", "nova"}},
                           token);
  EXPECT_EQ(stored.status, 201) << stored.body;

  // A local voice name that is not the provider's is refused; provider errors map through.
  body["voice"] = "en-us";
  EXPECT_EQ(Speak(body, token).status, 400);
  body["voice"] = "nova";
  fake.SetMode(FakeLlm::Mode::kFail429);
  EXPECT_EQ(Speak(body, token).status, 429);
  EXPECT_EQ(Log().find("sk-cloud-tts"), std::string::npos);
}

TEST_P(SpeechTest, EveryFormatDecodesToTheSameDuration) {
  Start();
  const std::string token = SignUp("ann");
  auto wav = Speak(Body("The quick brown fox jumps over the lazy dog.", "wav"), token);
  ASSERT_EQ(wav.status, 200) << wav.body;
  auto reference = media::ProbeAudio(wav.body);
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_GT(reference->duration_seconds, 1.0);
  const struct {
    const char* format;
    const char* content_type;
  } kFormats[] = {{"mp3", "audio/mpeg"}, {"opus", "audio/ogg"}, {"aac", "audio/aac"}, {"flac", "audio/flac"}};
  for (const auto& f : kFormats) {
    auto r = Speak(Body("The quick brown fox jumps over the lazy dog.", f.format), token);
    ASSERT_EQ(r.status, 200) << f.format << ": " << r.body;
    EXPECT_EQ(r.raw.Header("Content-Type"), f.content_type);
    auto info = media::ProbeAudio(r.body);
    ASSERT_TRUE(info) << f.format << ": " << info.error().message;
    EXPECT_NEAR(info->duration_seconds, reference->duration_seconds, reference->duration_seconds * 0.05) << f.format;
  }
  auto pcm = Speak(Body("The quick brown fox jumps over the lazy dog.", "pcm"), token);
  ASSERT_EQ(pcm.status, 200);
  const double pcm_seconds = static_cast<double>(pcm.body.size()) / (24000 * 2);
  EXPECT_NEAR(pcm_seconds, reference->duration_seconds, reference->duration_seconds * 0.05);
}

TEST_P(SpeechTest, TimestampsJoinBackToTheTextWithinTheAudio) {
  Start();
  const std::string token = SignUp("bob");
  for (const std::string text : {"Hello, world!", "Ça coûte 5 €, naïve café.", "  It's 10:30 — supercalifragilistic.  "}) {
    json::object body = Body(text);
    body["timestamps"] = true;
    auto r = Speak(body, token);
    ASSERT_EQ(r.status, 200) << r.body;
    const double duration = r.json.at("duration").to_number<double>();
    const auto& a = r.json.at("alignment");
    const auto& chars = a.at("characters").as_array();
    const auto& starts = a.at("character_start_times_seconds").as_array();
    const auto& ends = a.at("character_end_times_seconds").as_array();
    ASSERT_EQ(chars.size(), starts.size());
    ASSERT_EQ(chars.size(), ends.size());
    std::string joined;
    double last = 0;
    for (size_t i = 0; i < chars.size(); ++i) {
      joined += chars[i].as_string();
      const double s = starts[i].to_number<double>(), e = ends[i].to_number<double>();
      EXPECT_GE(s, last - 1e-9) << text << " at " << i;
      EXPECT_GE(e, s);
      EXPECT_LE(e, duration + 1e-6);
      last = s;
    }
    EXPECT_EQ(joined, text);
    EXPECT_FALSE(r.json.at("words").as_array().empty());
    auto audio = media::ProbeAudio(*Base64Decode(std::string(r.json.at("audio_base64").as_string())));
    ASSERT_TRUE(audio);
    EXPECT_NEAR(audio->duration_seconds, duration, duration * 0.05 + 0.05);
  }
}

TEST_P(SpeechTest, BadRequestsNameTheirField) {
  Start();
  const std::string token = SignUp("cat");
  auto param = [&](json::object body) { return Speak(body, token).ErrorParam(); };
  EXPECT_EQ(param(Body("")), "input");
  EXPECT_EQ(param(Body(" \n\t ")), "input");
  EXPECT_EQ(param(Body(std::string(4097, 'a'))), "input");
  auto voice = Body("hi");
  voice["voice"] = "nobody";
  EXPECT_EQ(param(voice), "voice");
  auto speed = Body("hi");
  speed["speed"] = 9;
  EXPECT_EQ(param(speed), "speed");
  EXPECT_EQ(param(Body("hi", "midi")), "response_format");
  auto model = Body("hi");
  model["model"] = "gpt-4o";
  EXPECT_EQ(param(model), "model");
  EXPECT_EQ(Speak(Body(std::string(4096, 'a'), "pcm"), token).status, 200) << "4,096 characters are allowed";
}

TEST_P(SpeechTest, ALongTextStreamsItsFirstBytesEarly) {
  Start();
  const std::string token = SignUp("dan");
  std::string text;
  while (text.size() < 3900) text += "Streaming speech arrives while the rest is still being made. ";
  const std::string body = json::serialize(Body(text));
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  const auto start = Clock::now();
  ASSERT_TRUE(conn.Send("POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\n\r\n" + body));
  std::string received = conn.ReadSome(std::chrono::seconds(10), "\r\n\r\n");
  ASSERT_NE(received.find("200 OK"), std::string::npos) << received;
  std::string first = conn.ReadSome(std::chrono::seconds(10), "\r\n");
  const auto first_at = Clock::now();
  ASSERT_FALSE(first.empty());
  std::string rest = conn.ReadSome(std::chrono::seconds(30), "\r\n0\r\n\r\n");
  const auto end_at = Clock::now();
  ASSERT_NE(rest.find("\r\n0\r\n\r\n"), std::string::npos) << "the stream ended";
  EXPECT_LT(first_at - start, (end_at - start) / 2) << "the first audio left before half the time was over";
  // Metered once the stream is done: the characters spoken and the seconds of audio.
  int64_t characters = 0;
  for (int i = 0; i < 100 && characters == 0; ++i) {
    auto rows = Sql("SELECT characters, audio_seconds FROM usage_metrics WHERE service = 'tts'");
    if (!rows.empty()) characters = rows[0].Int(0);
    if (characters == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(characters, static_cast<int64_t>(text.size()));
}

CHORUS_INSTANTIATE_FOR_BACKENDS(SpeechTest);

}  // namespace
}  // namespace chorus::testing
