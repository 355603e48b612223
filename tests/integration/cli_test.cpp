// The `chorus` command line, run as a user would run it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>

#include "media/audio_probe.h"
#include "store/migrate.h"
#include "tests/support/process.h"
#include "tests/support/speech_audio.h"
#include "tests/support/test_db.h"

namespace chorus {
namespace {

using testing::RunCommand;
using testing::TempDir;
using testing::TestDatabase;

TEST(CliTest, VersionAndHelpAnswer) {
  auto [code, out] = RunCommand({CHORUS_BINARY, "version"});
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.rfind("chorus ", 0), 0u) << out;
  auto [help_code, help] = RunCommand({CHORUS_BINARY, "--help"});
  EXPECT_EQ(help_code, 0);
  for (const char* command : {"serve", "migrate", "version", "config", "routes"}) {
    EXPECT_NE(help.find(command), std::string::npos) << command;
  }
  auto [serve_help_code, serve_help] = RunCommand({CHORUS_BINARY, "serve", "--help"});
  EXPECT_EQ(serve_help_code, 0);
  EXPECT_NE(serve_help.find("--config"), std::string::npos);
}

TEST(CliTest, ConfigErrorsExitWithCode2AndNameTheKey) {
  TempDir dir;
  const auto toml = dir.path() / "chorus.toml";
  std::ofstream(toml) << "[http]\nmax_bdy_bytes = 5\n";
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string expected;
  };
  const std::string data = "--data-dir=" + (dir.path() / "data").string();
  const Case cases[] = {
      {{CHORUS_BINARY, "serve", "--config", toml.string(), data}, {}, "http.max_bdy_bytes"},
      {{CHORUS_BINARY, "serve", "--set", "http.read_timeout=soon", data}, {}, "http.read_timeout"},
      {{CHORUS_BINARY, "serve", "--listen", "not-an-address", data}, {}, "listen"},
      {{CHORUS_BINARY, "serve", data}, {"CHORUS_HTTP_THREADS=lots"}, "CHORUS_HTTP_THREADS"},
      {{CHORUS_BINARY, "serve", data}, {"CHORUS_LISTN=127.0.0.1:1"}, "CHORUS_LISTN"},
      {{CHORUS_BINARY, "migrate", "--database", "mysql://nope", data}, {}, "database"},
      {{CHORUS_BINARY, "config", "check", "--set", "log.level=loud"}, {}, "log.level"},
      {{CHORUS_BINARY, "serve", "--no-such-flag"}, {}, "no-such-flag"},
  };
  for (const auto& c : cases) {
    auto [code, out] = RunCommand(c.args, c.env, std::chrono::seconds(10));
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find(c.expected), std::string::npos) << "expected \"" << c.expected << "\" in: " << out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data")) << "a bad configuration changes nothing";
}

TEST(CliTest, ConfigCheckPrintsTheEffectiveConfiguration) {
  auto [code, out] = RunCommand({CHORUS_BINARY, "config", "check", "--listen", "127.0.0.1:9999"},
                                {"CHORUS_HTTP_MAX_BODY_BYTES=1MiB"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("listen = \"127.0.0.1:9999\""), std::string::npos) << out;
  EXPECT_NE(out.find("max_body_bytes = 1048576"), std::string::npos) << out;
}

class MigrateCliTest : public ::testing::TestWithParam<store::Dialect> {};

TEST_P(MigrateCliTest, MigratesReportsAndRefusesAChangedMigration) {
  auto test = TestDatabase::Create(GetParam());
  TempDir dir;
  const std::vector<std::string> base = {CHORUS_BINARY, "migrate", "--database", test->url(), "--data-dir",
                                         dir.path().string()};
  auto status_args = base;
  status_args.push_back("--status");
  auto [before_code, before] = RunCommand(status_args);
  EXPECT_EQ(before_code, 1) << "pending migrations are not a current schema: " << before;

  auto [code, out] = RunCommand(base);
  EXPECT_EQ(code, 0) << out;
  const auto latest = store::EmbeddedMigrations(GetParam()).back().version;
  EXPECT_NE(out.find("applied " + std::to_string(latest) + " migration(s)"), std::string::npos) << out;
  auto [again_code, again] = RunCommand(base);
  EXPECT_EQ(again_code, 0);
  EXPECT_NE(again.find("applied 0 migration(s)"), std::string::npos) << again;

  {  // Someone edits an applied migration: its recorded checksum no longer matches.
    auto lease = test->db().Acquire(store::Access::kWrite);
    ASSERT_TRUE((*lease)->Exec("UPDATE schema_migrations SET checksum = $1 WHERE version = 1", "0000"));
  }
  auto [changed_code, changed] = RunCommand(base);
  EXPECT_EQ(changed_code, 1);
  EXPECT_NE(changed.find("0001_"), std::string::npos) << changed;
  EXPECT_NE(changed.find("checksum"), std::string::npos) << changed;
}

CHORUS_INSTANTIATE_FOR_BACKENDS(MigrateCliTest);

TEST(CliTest, SpeakWritesAudioAndTimingsOffline) {
  testing::TempDir dir;
  const std::string audio = (dir.path() / "out.wav").string(), times = (dir.path() / "t.json").string();
  auto [code, out] = RunCommand({CHORUS_BINARY, "speak", "go forward ten meters", "-o", audio, "--voice", "echo",
                                 "--timestamps", times});
  ASSERT_EQ(code, 0) << out;
  std::ifstream wav(audio, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(wav)), std::istreambuf_iterator<char>());
  auto info = media::ProbeAudio(bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_GT(info->duration_seconds, 0.8);
  std::ifstream json_file(times);
  const std::string text((std::istreambuf_iterator<char>(json_file)), std::istreambuf_iterator<char>());
  const auto timings = boost::json::parse(text);
  std::string joined;
  for (const auto& c : timings.at("alignment").at("characters").as_array()) joined += c.as_string();
  EXPECT_EQ(joined, "go forward ten meters");
  EXPECT_EQ(timings.at("words").as_array().size(), 4u);

  auto [bad_code, bad] = RunCommand({CHORUS_BINARY, "speak", "   ", "-o", audio});
  EXPECT_EQ(bad_code, 2) << bad;
  auto [voices_code, voices] = RunCommand({CHORUS_BINARY, "voices"});
  EXPECT_EQ(voices_code, 0);
  EXPECT_NE(voices.find("en-us"), std::string::npos);
  EXPECT_NE(voices.find("alloy"), std::string::npos);
}

TEST(CliTest, TranscribeWorksOfflineAndFailsBadFilesAlone) {
  testing::TempDir dir;
  const std::string wav = (dir.path() / "go.wav").string(), text = (dir.path() / "notes.wav").string();
  std::ofstream(wav, std::ios::binary) << testing::GoForwardWav();
  std::ofstream(text) << "not audio at all\n";

  auto [code, srt] = RunCommand({CHORUS_BINARY, "transcribe", wav, "--format", "srt"});
  ASSERT_EQ(code, 0) << srt;
  EXPECT_NE(srt.find("00:00:00,"), std::string::npos) << srt;
  EXPECT_NE(srt.find("go forward ten meters\n"), std::string::npos) << srt;
  EXPECT_EQ(srt.find('\r'), std::string::npos) << "piped output has no progress bar";

  auto [json_code, json] = RunCommand({CHORUS_BINARY, "transcribe", wav, "--format", "json", "--model", "whisper-1"});
  ASSERT_EQ(json_code, 0) << json;
  EXPECT_EQ(boost::json::parse(json).at("text").as_string(), "go forward ten meters");

  // A file that is not audio fails alone: the others are still transcribed.
  auto [mixed_code, mixed] = RunCommand({CHORUS_BINARY, "transcribe", text, wav});
  EXPECT_EQ(mixed_code, 1) << mixed;
  EXPECT_NE(mixed.find("notes.wav: the file is not audio"), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("==> " + wav + " <==\ngo forward ten meters\n"), std::string::npos) << mixed;

  // Headerless PCM, as pocketsphinx_continuous reads it.
  const std::string raw = (testing::kSphinxTestData / "goforward.raw").string();
  auto [raw_code, raw_text] = RunCommand({CHORUS_BINARY, "transcribe", "--raw", raw});
  ASSERT_EQ(raw_code, 0) << raw_text;
  EXPECT_EQ(raw_text, "go forward ten meters\n");

  auto [bad_code, bad] = RunCommand({CHORUS_BINARY, "transcribe", wav, "--format", "docx"});
  EXPECT_EQ(bad_code, 2) << bad;
  auto [missing_code, missing] = RunCommand({CHORUS_BINARY, "transcribe", (dir.path() / "none.wav").string()});
  EXPECT_EQ(missing_code, 1) << missing;
}

TEST(CliTest, RoutesListsEveryRouteWithItsAccess) {
  TempDir dir;
  auto [code, out] = RunCommand({CHORUS_BINARY, "routes", "--json", "--data-dir", dir.path().string(), "--database",
                                 "sqlite:" + (dir.path() / "r.db").string()});
  ASSERT_EQ(code, 0) << out;
  auto routes = boost::json::parse(out).as_array();
  ASSERT_FALSE(routes.empty());
  bool healthz = false;
  for (const auto& r : routes) {
    EXPECT_NE(r.at("access").as_string(), "undeclared") << boost::json::serialize(r);
    healthz = healthz || (r.at("path").as_string() == "/healthz" && r.at("access").as_string() == "public");
  }
  EXPECT_TRUE(healthz);
}

}  // namespace
}  // namespace chorus
