#include "config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace chorus::config {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string WriteToml(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("chorus_config_" + std::to_string(getpid()) + "_" + std::to_string(counter_++) + ".toml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  std::filesystem::path path_;
  int counter_ = 0;
};

TEST_F(ConfigTest, DefaultsAreSafeAndLocal) {
  auto config = Load({});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->listen, "127.0.0.1:8080");
  EXPECT_EQ(config->database, "sqlite:./data/chorus.db");
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_TRUE(config->http.cors_origins.empty());
  EXPECT_TRUE(config->storage.migrate_on_start);
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlagsEachOverride) {
  Sources sources;
  sources.file = WriteToml(R"(
listen = "127.0.0.1:9000"
data_dir = "/tmp/x"
[http]
max_body_bytes = "2MiB"
read_timeout = "5s"
cors_origins = ["https://app.example.com"]
[log]
level = "debug"
)");
  auto from_file = Load(sources);
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->listen, "127.0.0.1:9000");
  EXPECT_EQ(from_file->http.max_body_bytes, 2u << 20);
  EXPECT_EQ(from_file->http.read_timeout, std::chrono::seconds(5));
  EXPECT_EQ(from_file->http.cors_origins, std::vector<std::string>{"https://app.example.com"});
  EXPECT_EQ(from_file->log.level, "debug");

  sources.env = {{"CHORUS_LISTEN", "127.0.0.1:9001"}, {"CHORUS_HTTP_MAX_BODY_BYTES", "1024"},
                 {"PATH", "/usr/bin"}, {"CHORUS_TEST_ANYTHING", "ignored"}};
  auto from_env = Load(sources);
  ASSERT_TRUE(from_env) << from_env.error().message;
  EXPECT_EQ(from_env->listen, "127.0.0.1:9001");
  EXPECT_EQ(from_env->http.max_body_bytes, 1024u);
  EXPECT_EQ(from_env->data_dir, "/tmp/x");

  sources.overrides = {{"listen", "127.0.0.1:9002"}};
  auto from_flags = Load(sources);
  ASSERT_TRUE(from_flags) << from_flags.error().message;
  EXPECT_EQ(from_flags->listen, "127.0.0.1:9002");
  EXPECT_EQ(from_flags->http.max_body_bytes, 1024u);
}

TEST_F(ConfigTest, ErrorsNameTheKeyAndTheSource) {
  struct Case {
    std::string toml;
    std::string expected;  // a piece of the error message
  };
  const Case cases[] = {
      {"listn = \"x\"\n", "unknown key \"listn\""},
      {"[http]\nmax_bdy_bytes = 5\n", "unknown key \"http.max_bdy_bytes\""},
      {"[http]\nthreads = \"many\"\n", "http.threads: expected an integer"},
      {"[http]\nthreads = 100000\n", "http.threads: 100000 is outside 0..256"},
      {"[http]\nread_timeout = 30\n", "http.read_timeout: expected a duration"},
      {"[http]\nread_timeout = \"30\"\n", "http.read_timeout: expected a duration"},
      {"[http]\nmax_body_bytes = \"12 parsecs\"\n", "http.max_body_bytes: expected a size"},
      {"[log]\nlevel = \"loud\"\n", "log.level: \"loud\" is not one of"},
      {"[log]\nformat = 1\n", "log.format: expected a string"},
      {"listen = \"nowhere\"\n", "listen:"},
      {"database = \"mysql://x\"\n", "database: expected"},
      {"[http]\ncors_origins = [\"app.example.com\"]\n", "http.cors_origins"},
      {"[outbound]\nallow = [\"10.0.0.0/33\"]\n", "outbound.allow"},
      {"[http\n", ":1:"},  // a syntax error reports line and column
      {"[unknown]\nx = 1\n", "unknown key \"unknown\""},
  };
  for (const auto& c : cases) {
    Sources sources;
    sources.file = WriteToml(c.toml);
    auto config = Load(sources);
    ASSERT_FALSE(config) << c.toml;
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(config.error().message.find(c.expected), std::string::npos)
        << "toml: " << c.toml << "\nmessage: " << config.error().message;
  }
}

TEST_F(ConfigTest, UnknownEnvironmentVariablesAndFlagsAreErrors) {
  auto env = Load({.env = {{"CHORUS_LISTN", "x"}}});
  ASSERT_FALSE(env);
  EXPECT_NE(env.error().message.find("CHORUS_LISTN"), std::string::npos);
  auto bad_env_value = Load({.env = {{"CHORUS_HTTP_ACCESS_LOG", "maybe"}}});
  ASSERT_FALSE(bad_env_value);
  EXPECT_NE(bad_env_value.error().message.find("CHORUS_HTTP_ACCESS_LOG"), std::string::npos);
  auto flag = Load({.overrides = {{"nope", "1"}}});
  ASSERT_FALSE(flag);
  EXPECT_NE(flag.error().message.find("\"nope\""), std::string::npos);
}

TEST_F(ConfigTest, RenderedConfigReadsBackTheSame) {
  Sources sources;
  sources.overrides = {{"http.cors_origins", "https://a.example, https://b.example"},
                       {"http.idle_timeout", "90s"},
                       {"log.file", "/tmp/quote\"d.log"}};
  auto config = Load(sources);
  ASSERT_TRUE(config) << config.error().message;
  const std::string rendered = Render(*config);
  auto again = Load({.file = WriteToml(rendered)});
  ASSERT_TRUE(again) << again.error().message << "\n" << rendered;
  EXPECT_EQ(Render(*again), rendered);
  EXPECT_EQ(again->http.cors_origins.size(), 2u);
  EXPECT_EQ(again->log.file, "/tmp/quote\"d.log");
}

TEST_F(ConfigTest, ListenAddressesParse) {
  EXPECT_EQ(ParseEndpoint("127.0.0.1:8080")->port, 8080);
  EXPECT_EQ(ParseEndpoint("[::1]:9000")->host, "::1");
  EXPECT_FALSE(ParseEndpoint("127.0.0.1"));
  EXPECT_FALSE(ParseEndpoint("127.0.0.1:70000"));
  EXPECT_FALSE(ParseEndpoint(":80"));
  EXPECT_FALSE(ParseEndpoint("::1:80"));
}

TEST_F(ConfigTest, ProvidersAreTablesWithKeysFromTheEnvironment) {
  const std::string file = WriteToml(R"(
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:18080/v1"
api_key = "env:LOCAL_KEY"
models = ["gpt-4o-mini", "fast = gpt-4o-mini-2024"]
weight = 3
input_price_per_million = 0.15
output_price_per_million = 1

[providers.claude]
kind = "anthropic"
base_url = "https://api.anthropic.com/v1"
api_key = "sk-ant-literal"
models = ["claude-haiku"]
)");
  auto config = Load({.file = file, .env = {{"LOCAL_KEY", "sk-local-123"}}});
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->providers.size(), 2u);
  auto named = [&](std::string_view name) -> const ProviderConfig& {
    for (const auto& p : config->providers) {
      if (p.name == name) return p;
    }
    return config->providers.front();
  };
  const auto& local = named("local");
  EXPECT_EQ(local.name, "local");
  EXPECT_EQ(local.api_key, "sk-local-123");
  ASSERT_EQ(local.models.size(), 2u);
  EXPECT_EQ(local.models[1], std::make_pair(std::string("fast"), std::string("gpt-4o-mini-2024")));
  EXPECT_EQ(local.weight, 3);
  EXPECT_DOUBLE_EQ(local.input_price_per_million, 0.15);
  EXPECT_EQ(named("claude").kind, "anthropic");
  const std::string rendered = Render(*config);
  EXPECT_EQ(rendered.find("sk-local"), std::string::npos) << rendered;
  EXPECT_EQ(rendered.find("sk-ant"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("[providers.claude]"), std::string::npos) << rendered;

  auto missing = Load({.file = file});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("LOCAL_KEY is not set"), std::string::npos) << missing.error().message;
  auto bad = Load({.file = WriteToml("[providers.x]\nkind = \"grpc\"\nbase_url = \"http://a/\"\nmodels = [\"m\"]\n")});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("providers.x.kind"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(Load({.file = WriteToml("[providers.x]\nbase_url = \"http://a/\"\n")})) << "models is required";
  // A speech-to-text provider needs no chat models, and must speak OpenAI's dialect.
  auto stt = Load({.file = WriteToml("[providers.w]\nbase_url = \"http://a/v1\"\n"
                                     "transcription_models = [\"whisper-large-v3=large-v3\"]\n")});
  ASSERT_TRUE(stt) << stt.error().message;
  ASSERT_EQ(stt->providers[0].transcription_models.size(), 1u);
  EXPECT_EQ(stt->providers[0].transcription_models[0].second, "large-v3");
  EXPECT_TRUE(stt->providers[0].models.empty());
  EXPECT_FALSE(Load({.file = WriteToml("[providers.w]\nkind = \"anthropic\"\nbase_url = \"http://a/\"\n"
                                       "transcription_models = [\"w\"]\n")}));
  EXPECT_FALSE(Load({.file = WriteToml("[providers.x]\nbase_url = \"http://a/\"\nmodels = [\"m\"]\ncolour = 1\n")}));
}

TEST_F(ConfigTest, EveryKeyIsDocumented) {
  std::ifstream in(std::string(CHORUS_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& key : Keys()) {
    EXPECT_NE(doc.find("`" + key.name + "`"), std::string::npos) << key.name << " is not documented";
    EXPECT_NE(doc.find("`" + key.env + "`"), std::string::npos) << key.env << " is not documented";
  }
}

}  // namespace
}  // namespace chorus::config

namespace chorus::config {
namespace {

TEST(ConfigSecretsTest, AliasesSetKeysAndSecretsAreRedacted) {
  auto config = Load({.env = {{"CHORUS_MASTER_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
                              {"CHORUS_BOOTSTRAP_ADMIN_EMAIL", "root@example.com"},
                              {"CHORUS_BOOTSTRAP_ADMIN_PASSWORD", "Sup3r-Secret-Pw"}}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->auth.master_key, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
  EXPECT_EQ(config->bootstrap.admin_email, "root@example.com");
  const std::string rendered = Render(*config);
  EXPECT_EQ(rendered.find("MDEyMzQ1"), std::string::npos) << rendered;
  EXPECT_EQ(rendered.find("Sup3r"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("master_key = \"<redacted>\""), std::string::npos);
  EXPECT_NE(rendered.find("admin_email = \"root@example.com\""), std::string::npos);
}

TEST(ConfigSecretsTest, AuthSettingsAreBounded) {
  EXPECT_FALSE(Load({.overrides = {{"auth.argon2_memory", "8MiB"}}})) << "below OWASP's minimum";
  EXPECT_FALSE(Load({.overrides = {{"auth.argon2_iterations", "1"}}}));
  EXPECT_TRUE(Load({.overrides = {{"auth.argon2_memory", "64MiB"}, {"auth.argon2_iterations", "3"}}}));
}

}  // namespace
}  // namespace chorus::config
