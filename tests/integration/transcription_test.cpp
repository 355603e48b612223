// Speech-to-text through the real binary with the real PocketSphinx and FFmpeg, on both databases:
// OpenAI's endpoint in every response_format, durable jobs with a webhook, search, usage, ownership,
// and hostile uploads that must each get a clear 4xx and leave nothing stored.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <fstream>
#include <regex>
#include <thread>

#include "base/encoding.h"
#include "tests/integration/identity_fixture.h"
#include "tests/support/fake_llm.h"
#include "tests/support/http_client.h"
#include "tests/support/speech_audio.h"
#include "tests/support/word_error_rate.h"
#include "tests/support/webhook_receiver.h"

namespace chorus::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// Encodes `wav` with the ffmpeg CLI (a test tool) into `extension`'s format.
std::string Encode(const TempDir& dir, const std::string& wav, const std::string& extension,
                   const std::vector<std::string>& input_args = {}) {
  const fs::path in = dir.path() / "in.wav";
  const fs::path out = dir.path() / ("out." + extension);
  std::ofstream(in, std::ios::binary) << wav;
  std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-nostdin", "-loglevel", "error", "-y"};
  argv.insert(argv.end(), input_args.begin(), input_args.end());
  if (input_args.empty()) argv.insert(argv.end(), {"-i", in.string()});
  argv.push_back(out.string());
  auto [rc, log] = RunCommand(argv);
  EXPECT_EQ(rc, 0) << log;
  return ReadFileBytes(out);
}

struct FormPart {
  std::string name;
  std::string value;
  std::string filename;  // set: a file part
};

std::string MultipartBody(const std::vector<FormPart>& parts) {
  std::string body;
  for (const auto& p : parts) {
    body += "--chorusTestBoundary\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + p.value + "\r\n";
  }
  return body + "--chorusTestBoundary--\r\n";
}

struct Cue {
  double start = 0;
  double end = 0;
  std::string text;
};

double CueSeconds(const std::smatch& m, int first) {
  return std::stoi(m[first]) * 3600 + std::stoi(m[first + 1]) * 60 + std::stoi(m[first + 2]) +
         std::stoi(m[first + 3]) / 1000.0;
}

// The cues of an SRT or WebVTT document; fails the test on anything malformed.
std::vector<Cue> ParseCues(const std::string& doc, bool vtt) {
  std::vector<Cue> cues;
  std::string text = doc;
  if (vtt) {
    EXPECT_EQ(doc.rfind("WEBVTT\n\n", 0), 0u) << doc;
    text = doc.substr(8);
  }
  const std::regex cue(vtt ? R"((\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)\n([^\n]+)\n\n)"
                           : R"((\d+)\n(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)\n([^\n]+)\n\n)");
  auto begin = std::sregex_iterator(text.begin(), text.end(), cue);
  size_t consumed = 0;
  int index = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    EXPECT_EQ(static_cast<size_t>(m.position(0)), consumed) << "unparsed text before a cue:\n" << doc;
    consumed = m.position(0) + m.length(0);
    const int first = vtt ? 1 : 2;
    if (!vtt) {
      EXPECT_EQ(std::stoi(m[1]), ++index);
    }
    cues.push_back({CueSeconds(m, first), CueSeconds(m, first + 4), m[first + 8]});
  }
  EXPECT_EQ(consumed, text.size()) << "unparsed text after the cues:\n" << doc;
  return cues;
}

class TranscriptionTest : public IdentityTest {
 protected:
  HttpResponse Upload(const std::string& path, const std::vector<FormPart>& parts, const std::string& token) {
    const std::string headers = "Authorization: Bearer " + token +
                                "\r\nContent-Type: multipart/form-data; boundary=chorusTestBoundary\r\n";
    auto r = Fetch(server_->port(), "POST", path, MultipartBody(parts), headers);
    EXPECT_TRUE(r);
    return r ? *r : HttpResponse();
  }
  HttpResponse Transcribe(const std::string& audio, const std::string& format, const std::string& token,
                          std::vector<FormPart> extra = {}) {
    std::vector<FormPart> parts = {{"file", audio, "speech.bin"}, {"model", "whisper-1"}};
    if (!format.empty()) parts.push_back({"response_format", format});
    parts.insert(parts.end(), extra.begin(), extra.end());
    return Upload("/v1/audio/transcriptions", parts, token);
  }
  size_t Blobs() {
    const auto root = dir_.path() / "data" / "blobs";
    if (!fs::exists(root)) return 0;
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file();
    return n;
  }
  int64_t Rows() { return Sql("SELECT COUNT(*) FROM transcriptions")[0].Int(0); }
  json::object Poll(const std::string& id, const std::string& token) {
    for (int i = 0; i < 300; ++i) {
      auto r = api().Get("/api/v1/transcriptions/" + id, token);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) return {};
      const std::string status = r.Str("status");
      if (status == "completed" || status == "failed") return r.json.as_object();
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the transcription did not finish";
    return {};
  }
};

TEST_P(TranscriptionTest, OpenAiEndpointAnswersInEveryFormat) {
  Start();
  const std::string token = SignUp("ann");
  const std::string wav = GoForwardWav();
  const double duration = (wav.size() - 44) / 32000.0;

  auto plain = Transcribe(wav, "", token);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(json::parse(plain.body).at("text").as_string(), "go forward ten meters");

  auto text = Transcribe(wav, "text", token);
  EXPECT_EQ(text.body, "go forward ten meters\n");
  EXPECT_EQ(text.Header("Content-Type"), "text/plain; charset=utf-8");

  auto verbose = Transcribe(wav, "verbose_json", token, {{"timestamp_granularities[]", "word"},
                                                          {"timestamp_granularities[]", "segment"}});
  ASSERT_EQ(verbose.status, 200) << verbose.body;
  const json::object v = json::parse(verbose.body).as_object();
  EXPECT_EQ(v.at("task"), "transcribe");
  EXPECT_EQ(v.at("language"), "english");
  EXPECT_NEAR(v.at("duration").to_number<double>(), duration, 0.05);
  const auto& segments = v.at("segments").as_array();
  const auto& words = v.at("words").as_array();
  ASSERT_FALSE(segments.empty());
  ASSERT_EQ(words.size(), 4u);
  double last = 0;
  for (const auto& w : words) {
    const double start = w.at("start").to_number<double>(), end = w.at("end").to_number<double>();
    EXPECT_GE(start, last);
    EXPECT_GT(end, start);
    EXPECT_LE(end, duration + 0.01);
    last = end;
    const bool inside = std::any_of(segments.begin(), segments.end(), [&](const json::value& s) {
      return start >= s.at("start").to_number<double>() - 1e-6 && end <= s.at("end").to_number<double>() + 1e-6;
    });
    EXPECT_TRUE(inside) << "a word outside every segment: " << json::serialize(w);
  }

  for (const bool vtt : {false, true}) {
    auto r = Transcribe(wav, vtt ? "vtt" : "srt", token);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto cues = ParseCues(r.body, vtt);
    ASSERT_FALSE(cues.empty());
    double previous_end = 0;
    for (const auto& cue : cues) {
      EXPECT_GE(cue.start, previous_end);
      EXPECT_GT(cue.end, cue.start);
      EXPECT_LE(cue.end, duration + 0.01);
      previous_end = cue.end;
    }
    EXPECT_EQ(cues[0].text, "go forward ten meters");
  }

  // Compressed formats recognised from their bytes, whatever the file is called.
  TempDir tmp;
  for (const std::string extension : {"mp3", "ogg", "flac", "m4a", "webm"}) {
    auto r = Transcribe(Encode(tmp, wav, extension), "json", token);
    ASSERT_EQ(r.status, 200) << extension << ": " << r.body;
    EXPECT_EQ(json::parse(r.body).at("text").as_string(), "go forward ten meters") << extension;
  }

  // Longer recordings are scored against their reference transcriptions, and against the word error
  // rate of the same engine's own CLI on the same files.
  size_t reference_words = 0;
  double ours = 0, cli = 0;
  for (const std::string id : {"0870", "0880", "0890", "0920", "0930"}) {
    const fs::path file = kSphinxTestData / "librivox" / ("sense_and_sensibility_01_austen_64kb-" + id + ".wav");
    auto r = Transcribe(ReadFileBytes(file), "text", token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto [rc, cli_text] = RunCommand({"/usr/bin/pocketsphinx_continuous", "-infile", file.string(), "-logfn", "/dev/null"});
    ASSERT_EQ(rc, 0) << cli_text;
    const std::string reference = LibrivoxReference(file.stem().string());
    const auto length = static_cast<double>(std::count(reference.begin(), reference.end(), ' ') + 1);
    reference_words += static_cast<size_t>(length);
    ours += WordErrorRate(reference, r.body) * length;
    cli += WordErrorRate(reference, cli_text) * length;
  }
  EXPECT_LT(ours / reference_words, 0.35);
  EXPECT_LE(ours / reference_words, cli / reference_words + 0.01) << "the CLI does better on the same files";

  // Each request is a completed transcription of the caller's, metered as asr.
  EXPECT_EQ(Rows(), 3 + 2 + 5 + 5);
  auto usage = Sql("SELECT request_count, audio_seconds FROM usage_metrics WHERE service = 'asr'");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].Int(0), 15);
  EXPECT_GT(usage[0].Double(1), 10 * duration);
}

TEST_P(TranscriptionTest, BadRequestsNameTheirField) {
  Start();
  const std::string token = SignUp("bea");
  const std::string wav = GoForwardWav();
  auto missing_file = Upload("/v1/audio/transcriptions", {{"model", "whisper-1"}}, token);
  EXPECT_EQ(missing_file.status, 400);
  EXPECT_NE(missing_file.body.find(R"("param":"file")"), std::string::npos) << missing_file.body;
  const struct {
    std::vector<FormPart> extra;
    std::string format;
    std::string param;
  } cases[] = {
      {{}, "docx", "response_format"},
      {{}, "txt", "response_format"},
      {{{"temperature", "3"}}, "json", "temperature"},
      {{{"language", "xx"}}, "json", "language"},
      {{{"timestamp_granularities[]", "word"}}, "json", "timestamp_granularities[]"},
      {{{"timestamp_granularities[]", "syllable"}}, "verbose_json", "timestamp_granularities[]"},
      {{{"colour", "blue"}}, "json", "colour"},
  };
  for (const auto& c : cases) {
    auto r = Transcribe(wav, c.format, token, c.extra);
    EXPECT_EQ(r.status, 400) << c.param << ": " << r.body;
    EXPECT_NE(r.body.find("\"param\":\"" + c.param + "\""), std::string::npos) << r.body;
  }
  auto bad_model = Upload("/v1/audio/transcriptions", {{"file", wav, "a.wav"}, {"model", "whisper-9"}}, token);
  EXPECT_EQ(bad_model.status, 400);
  EXPECT_NE(bad_model.body.find(R"("param":"model")"), std::string::npos);
  EXPECT_EQ(Rows(), 0);
}

TEST_P(TranscriptionTest, HostileInputsGetA4xxAndLeaveNothingStored) {
  Start({"--set", "stt.max_duration=10m"});
  const std::string token = SignUp("cyd");
  TempDir tmp;
  const std::string mp3 = Encode(tmp, GoForwardWav(), "mp3");
  // An hour of silence as Opus, past the lowered limit of ten minutes.
  const std::string hour = Encode(tmp, "", "opus",
                                  {"-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "3600", "-b:a", "6k",
                                   "-compression_level", "0", "-frame_duration", "60"});
  ASSERT_GT(hour.size(), 1000u);
  const struct {
    std::string name;
    std::string bytes;
    int status;
  } cases[] = {
      {"zero bytes", "", 400},
      {"text renamed .wav", "This is not audio at all, only words in a file called speech.wav\n", 415},
      {"a truncated mp3", mp3.substr(0, 150), 400},
      {"a wav header alone", GoForwardWav().substr(0, 44), 400},
      {"an hour of silence", hour, 400},
      {"an ffconcat playlist", "ffconcat version 1.0\nfile '/etc/passwd'\n", 415},
      {"an m3u8 playlist", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1/a.ts\n#EXT-X-ENDLIST\n", 415},
  };
  for (const auto& c : cases) {
    auto sync = Transcribe(c.bytes, "json", token);
    EXPECT_EQ(sync.status, c.status) << c.name << ": " << sync.body;
    EXPECT_NE(sync.body.find(R"("param":"file")"), std::string::npos) << c.name << ": " << sync.body;
    auto queued = Upload("/api/v1/transcriptions", {{"file", c.bytes, "speech.wav"}}, token);
    EXPECT_EQ(queued.status, c.status) << c.name << " (async): " << queued.body;
  }
  // A 2 GB upload is refused from its headers, before any of it is sent.
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                       "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 2000000000\r\n\r\n"));
  auto too_large = raw.ReadResponse(5s);
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 413);
  // An audio_url at a private address is refused by the outbound guard.
  auto url = api().Post("/api/v1/transcriptions", {{"audio_url", "http://127.0.0.1:9/secret.wav"}}, token);
  EXPECT_EQ(url.status, 403) << url.body;
  EXPECT_EQ(url.ErrorParam(), "audio_url");
  auto metadata = api().Post("/api/v1/transcriptions", {{"audio_url", "http://169.254.169.254/latest"}}, token);
  EXPECT_EQ(metadata.status, 403) << metadata.body;

  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(Blobs(), 0u);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM jobs")[0].Int(0), 0);
  EXPECT_TRUE(fs::is_empty(dir_.path() / "data" / "uploads")) << "spooled uploads leave no file behind";
}

TEST_P(TranscriptionTest, JobsAreDurableSearchableAndOwned) {
  WebhookReceiver receiver(/*failures=*/0, /*status=*/204);
  Start({}, {"CHORUS_OUTBOUND_ALLOW=127.0.0.1/32", "CHORUS_JOBS_POLL_INTERVAL=50ms"});
  const std::string token = SignUp("dee");
  const std::string wav = GoForwardWav();

  auto queued = Upload("/api/v1/transcriptions",
                       {{"file", wav, "go.wav"}, {"language", "en"}, {"callback_url", receiver.Url()}}, token);
  ASSERT_EQ(queued.status, 202) << queued.body;
  const json::object row = json::parse(queued.body).as_object();
  EXPECT_EQ(row.at("status"), "pending");
  EXPECT_EQ(row.at("metadata").at("filename"), "go.wav");
  const std::string id(row.at("id").as_string());
  EXPECT_EQ(Blobs(), 1u);

  const json::object done = Poll(id, token);
  ASSERT_EQ(done.at("status"), "completed") << json::serialize(done);
  EXPECT_EQ(done.at("text"), "go forward ten meters");
  EXPECT_EQ(done.at("model"), "pocketsphinx-en-us");
  EXPECT_GT(done.at("confidence").to_number<double>(), 0.0);
  EXPECT_FALSE(done.at("completed_at").is_null());
  ASSERT_TRUE(receiver.WaitFor(1, 20s)) << Log();
  EXPECT_NE(receiver.Received()[0].body.find(id), std::string::npos);

  auto srt = api().Get("/api/v1/transcriptions/" + id + "?format=srt", token);
  ASSERT_EQ(srt.status, 200) << srt.body;
  EXPECT_EQ(ParseCues(srt.body, false).at(0).text, "go forward ten meters");
  auto txt = api().Get("/api/v1/transcriptions/" + id + "?format=txt", token);
  EXPECT_EQ(txt.body, "go forward ten meters\n");

  // base64 in JSON, the same audio: its stored bytes are shared.
  auto second = api().Post("/api/v1/transcriptions", {{"audio_base64", Base64Encode(wav)}}, token);
  ASSERT_EQ(second.status, 202) << second.body;
  const std::string second_id = second.Str("id");
  EXPECT_EQ(Poll(second_id, token).at("status"), "completed");
  EXPECT_EQ(Blobs(), 1u);

  auto list = api().Get("/api/v1/transcriptions?status=completed&limit=1", token);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json.at("data").as_array().size(), 1u);
  EXPECT_TRUE(list.json.at("has_more").as_bool());
  EXPECT_EQ(api().Get("/api/v1/transcriptions?status=pending", token).json.at("data").as_array().size(), 0u);
  EXPECT_EQ(api().Get("/api/v1/transcriptions?status=bogus", token).status, 400);

  auto search = api().Get("/api/v1/search?q=meters", token);
  ASSERT_EQ(search.status, 200) << search.body;
  const auto& hits = search.json.at("data").as_array();
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_NE(std::string(hits[0].at("snippet").as_string()).find("<mark>meters</mark>"), std::string::npos);
  EXPECT_GT(hits[0].at("start").to_number<double>(), 0.2) << "the segment starts where speech does";
  EXPECT_EQ(api().Get("/api/v1/search?q=", token).status, 400);
  EXPECT_EQ(Sql("SELECT request_count FROM usage_metrics WHERE service = 'asr'")[0].Int(0), 2);

  // Another user sees none of it and can change none of it.
  const std::string other = SignUp("eve");
  EXPECT_EQ(api().Get("/api/v1/transcriptions/" + id, other).status, 404);
  EXPECT_EQ(api().Get("/api/v1/transcriptions/" + id + "?format=srt", other).status, 404);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/transcriptions/" + id, {}, other).status, 404);
  EXPECT_EQ(api().Get("/api/v1/search?q=meters", other).json.at("data").as_array().size(), 0u);
  EXPECT_EQ(api().Get("/api/v1/transcriptions/" + id, token).status, 200) << "no side effect";

  // Deleting one keeps the shared audio; deleting the last removes it.
  EXPECT_EQ(api().Call("DELETE", "/api/v1/transcriptions/" + id, {}, token).status, 204);
  EXPECT_EQ(Blobs(), 1u);
  EXPECT_EQ(api().Call("DELETE", "/api/v1/transcriptions/" + second_id, {}, token).status, 204);
  EXPECT_EQ(Blobs(), 0u);
  EXPECT_EQ(api().Get("/api/v1/transcriptions/" + id, token).status, 404);
}

TEST_P(TranscriptionTest, ProviderModelsAreServedUpstream) {
  FakeLlm fake;
  const auto file = dir_.path() / "chorus.toml";
  std::ofstream(file) << "[providers.cloud]\nkind = \"openai\"\nbase_url = \"" << fake.BaseUrl()
                      << "\"\napi_key = \"env:CLOUD_KEY\"\n"
                      << "transcription_models = [\"whisper-large-v3=whisper-large-v3-turbo\"]\n";
  Start({"--config", file.string(), "--set", "stt.default_model=whisper-large-v3", "--set",
         "stt.prices=whisper-large-v3=0.006"},
        {"CLOUD_KEY=sk-cloud-secret", "CHORUS_JOBS_POLL_INTERVAL=50ms"});
  const std::string token = SignUp("fay");
  const std::string wav = GoForwardWav();
  const double duration = (wav.size() - 44) / 32000.0;

  // whisper-1 is the configured default: the provider's model.
  auto r = Transcribe(wav, "verbose_json", token, {{"timestamp_granularities[]", "word"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object v = json::parse(r.body).as_object();
  EXPECT_EQ(v.at("text").as_string(), fmt::format("fake transcript of {:.2f} seconds", duration)) << "the audio reached it";
  EXPECT_EQ(v.at("language"), "english");
  EXPECT_EQ(v.at("words").as_array().size(), 4u);
  const auto sent = fake.LastRequest();
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->path, "/v1/audio/transcriptions");
  EXPECT_EQ(sent->authorization, "Bearer sk-cloud-secret");
  EXPECT_NE(sent->body.find("whisper-large-v3-turbo"), std::string::npos) << "the provider's name for the model";
  EXPECT_NE(sent->body.find("fLaC"), std::string::npos) << "sent as FLAC";

  // The local model stays available by name.
  auto local = Upload("/v1/audio/transcriptions", {{"file", wav, "a.wav"}, {"model", "pocketsphinx-en-us"}}, token);
  EXPECT_EQ(json::parse(local.body).at("text").as_string(), "go forward ten meters");

  // Jobs go upstream too.
  auto queued = Upload("/api/v1/transcriptions", {{"file", wav, "go.wav"}, {"model", "whisper-large-v3"}}, token);
  ASSERT_EQ(queued.status, 202) << queued.body;
  const json::object done = Poll(std::string(json::parse(queued.body).at("id").as_string()), token);
  EXPECT_EQ(done.at("status"), "completed") << json::serialize(done);
  EXPECT_EQ(done.at("model"), "whisper-large-v3");

  // Provider failures come back as such.
  fake.SetMode(FakeLlm::Mode::kFail429);
  EXPECT_EQ(Transcribe(wav, "json", token).status, 429);
  fake.SetMode(FakeLlm::Mode::kFail500);
  EXPECT_EQ(Transcribe(wav, "json", token).status, 502);

  // Metered at the configured price: 2 upstream requests of `duration` seconds cost 0.006 a minute.
  auto usage = Sql("SELECT request_count, cost FROM usage_metrics WHERE service = 'asr'");
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].Int(0), 3);
  EXPECT_NEAR(usage[0].Double(1), 2 * 0.006 * duration / 60, 1e-6);
  EXPECT_EQ(Log().find("sk-cloud-secret"), std::string::npos) << "the provider key is never logged";
}

CHORUS_INSTANTIATE_FOR_BACKENDS(TranscriptionTest);

}  // namespace
}  // namespace chorus::testing
