// Chorus configuration: one struct, filled from defaults, then a TOML file, then CHORUS_* environment
// variables, then command-line overrides — each source overriding the one before.
//
// Every key is declared once in the key table (keys.cpp) with its type, bounds and documentation;
// parsing of every source, `chorus config check` and the documentation test all read that table.
// An unknown key or a bad value is an error that names the key and its source.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace chorus::config {

using std::chrono::milliseconds;

struct LogConfig {
  std::string level = "info";   // trace|debug|info|warn|error|off
  std::string format = "text";  // text|json
  std::string file;             // empty: standard error
};

struct HttpConfig {
  int threads = 0;  // 0: one per core
  uint64_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 16 * 1024 * 1024;
  uint64_t max_upload_bytes = 512ull * 1024 * 1024;  // multipart uploads, spooled to <data_dir>/uploads
  milliseconds read_timeout{30000};   // to read one request, from its first byte
  milliseconds upload_timeout{600000};  // to read one multipart upload
  milliseconds idle_timeout{60000};   // between requests on a keep-alive connection
  milliseconds write_timeout{60000};  // for one write to a client that does not read
  int max_connections = 4096;
  milliseconds shutdown_grace{10000};
  std::vector<std::string> cors_origins;
  bool cors_allow_credentials = false;
  bool access_log = true;
  std::string public_url;  // how clients reach this server ("https://api.example.com"); empty: http://<listen>
};

struct StorageConfig {
  int pool_size = 4;  // reader connections (SQLite) or pool size (PostgreSQL)
  bool migrate_on_start = true;
  milliseconds busy_timeout{5000};
  milliseconds connect_timeout{5000};
  std::string sqlite_synchronous = "full";  // full|normal
};

struct AuthConfig {
  bool open_registration = true;
  milliseconds session_ttl{3600000};        // access tokens
  milliseconds refresh_ttl{30LL * 86400000};  // refresh tokens
  std::string master_key;                   // base64 of 32 bytes; empty: <data_dir>/keys
  uint64_t argon2_memory = 19 * 1024 * 1024;
  int argon2_iterations = 2;
  int max_login_failures = 10;              // per account, within login_failure_window
  int max_ip_failures = 100;                // per client address, within login_failure_window
  milliseconds login_failure_window{900000};
  milliseconds credential_cache_ttl{10000};
};

struct BootstrapConfig {
  std::string admin_email;
  std::string admin_password;
};

struct JobsConfig {
  int workers = 2;   // 0: this process runs no jobs
  int prefetch = 4;  // claimed jobs waiting per worker
  milliseconds lease{30000};
  milliseconds poll_interval{250};
  milliseconds backoff_base{1000};
  milliseconds backoff_max{300000};
  milliseconds retention{7LL * 86400000};
  int webhook_max_attempts = 8;
};

struct OutboundConfig {
  std::vector<std::string> allow;  // CIDRs user URLs may reach although not public
  milliseconds connect_timeout{5000};
  milliseconds read_timeout{30000};
  uint64_t max_response_bytes = 1 << 20;
};

// The LLM gateway's timeouts and limits (providers are declared below, one table each).
struct LlmConfig {
  milliseconds connect_timeout{5000};
  milliseconds first_byte_timeout{120000};  // request sent -> response headers of a stream
  milliseconds answer_timeout{600000};      // request sent -> response headers of a whole answer
  milliseconds idle_timeout{600000};        // between two pieces of a response (a model thinking in silence)
  uint64_t max_response_bytes = 16 * 1024 * 1024;  // a whole (non-streamed) upstream response
  int max_attempts = 3;                     // deployments tried for one request
  milliseconds fallback_backoff{50};        // before the 2nd attempt; doubles after
  milliseconds usage_flush_interval{250};   // usage rows are written in batches this often
  milliseconds reload_interval{30000};      // re-read admin-managed providers from the database
};

// Speech-to-text.
struct SttConfig {
  int decoders = 2;                       // recognitions at once (PocketSphinx: ~100 MB each)
  milliseconds max_duration{4LL * 3600000};  // longer audio is refused while it is decoded
  std::string model_dir = "/usr/share/pocketsphinx/model/en-us";
  std::vector<std::string> prices;        // "model=USD per minute of audio"
  std::string default_model = "pocketsphinx-en-us";  // what "whisper-1" and no model mean
  uint64_t max_url_bytes = 256ull * 1024 * 1024;  // audio fetched from an audio_url
};

// Text-to-speech.
struct TtsConfig {
  std::vector<std::string> voices;  // "name=engine-voice[:pitch]", on top of OpenAI's names
  std::vector<std::string> prices;  // "model=USD per million characters"
};

// One upstream from a [providers.NAME] table:
//   kind = "openai" | "anthropic"; base_url; api_key ("env:VAR" reads the environment);
//   models = ["gpt-4o-mini", "fast=gpt-4o-mini"] (a name callers use, optionally = the upstream's);
//   weight; input_price_per_million; output_price_per_million (USD per million tokens);
//   transcription_models = ["whisper-large-v3"] (speech-to-text models it serves at
//   /v1/audio/transcriptions, in the same "name" or "name=upstream" form; priced by stt.prices).
//   speech_models = ["tts-cloud=tts-1"] (text-to-speech models it serves at /v1/audio/speech).
// A provider needs models, transcription_models or speech_models.
struct ProviderConfig {
  std::string name;
  std::string kind = "openai";
  std::string base_url;
  std::string api_key;  // resolved: the plaintext key (never rendered)
  std::vector<std::pair<std::string, std::string>> models;  // (name callers use, upstream model)
  std::vector<std::pair<std::string, std::string>> transcription_models;  // the same, for speech-to-text
  std::vector<std::pair<std::string, std::string>> speech_models;         // the same, for text-to-speech
  int weight = 1;
  double input_price_per_million = 0;
  double output_price_per_million = 0;
};

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string database = "sqlite:./data/chorus.db";
  std::string data_dir = "./data";
  LogConfig log;
  HttpConfig http;
  StorageConfig storage;
  AuthConfig auth;
  BootstrapConfig bootstrap;
  JobsConfig jobs;
  OutboundConfig outbound;
  LlmConfig llm;
  SttConfig stt;
  TtsConfig tts;
  std::vector<ProviderConfig> providers;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct Sources {
  std::string file;   // a TOML file; empty for none
  KeyValues env;      // the process environment (only CHORUS_* names are read)
  KeyValues overrides;  // key -> value, from command-line flags
};

// Builds the configuration. Errors (kInvalidArgument) name the key and where it came from, e.g.
// `chorus.toml: unknown key "http.max_bdy_bytes"` or `CHORUS_HTTP_THREADS: expected an integer`.
Result<Config> Load(const Sources& sources);

// The process environment as KeyValues.
KeyValues ProcessEnvironment();

struct KeyInfo {
  std::string name;      // "http.max_body_bytes"
  std::string env;       // "CHORUS_HTTP_MAX_BODY_BYTES"
  std::string type;      // "size", "duration", "string", ...
  std::string default_value;
  std::string doc;
  std::string env_alias;  // a second variable that sets the key, or empty
};
std::vector<KeyInfo> Keys();

// The effective configuration as TOML, every key included.
std::string Render(const Config& config);

// "host:port" parts of a listen address; IPv6 hosts are bracketed ("[::1]:8080").
struct Endpoint {
  std::string host;
  uint16_t port = 0;
};
Result<Endpoint> ParseEndpoint(std::string_view text);

}  // namespace chorus::config
