#include "config/keys.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "base/strings.h"

namespace chorus::config::detail {
namespace {

Unexpected Bad(std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message)); }

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  AppendJsonEscaped(out, s);  // JSON string escapes are valid TOML basic-string escapes
  out += '"';
  return out;
}

// Reads text for kinds that also accept a native TOML value.
const std::string* AsText(const RawValue& raw) { return std::get_if<std::string>(&raw); }

template <typename Get>
KeyDef String(std::string_view name, std::string_view doc, Get get, std::vector<std::string_view> choices = {}) {
  std::string_view type = choices.empty() ? "string" : "enum";
  return KeyDef{
      name, type, doc,
      [get, choices](Config& c, const RawValue& raw) -> Status {
        const std::string* text = AsText(raw);
        if (!text) return Bad("expected a string");
        if (!choices.empty()) {
          bool ok = false;
          for (auto choice : choices) ok = ok || *text == choice;
          if (!ok) {
            std::string list;
            for (auto choice : choices) list += (list.empty() ? "" : ", ") + std::string(choice);
            return Bad(fmt::format("\"{}\" is not one of: {}", *text, list));
          }
        }
        get(c) = *text;
        return Ok();
      },
      [get](const Config& c) { return TomlString(get(c)); }};
}

template <typename Get>
KeyDef Bool(std::string_view name, std::string_view doc, Get get) {
  return KeyDef{name, "bool", doc,
                [get](Config& c, const RawValue& raw) -> Status {
                  if (const bool* b = std::get_if<bool>(&raw)) {
                    get(c) = *b;
                    return Ok();
                  }
                  const std::string* text = AsText(raw);
                  if (text && (*text == "true" || *text == "1")) get(c) = true;
                  else if (text && (*text == "false" || *text == "0")) get(c) = false;
                  else return Bad("expected true or false");
                  return Ok();
                },
                [get](const Config& c) { return std::string(get(c) ? "true" : "false"); }};
}

// Integers, byte sizes and durations share range checking over a uint64/int64 number.
template <typename Get>
KeyDef Int(std::string_view name, std::string_view doc, Get get, int64_t min, int64_t max) {
  return KeyDef{name, "integer", doc,
                [get, min, max](Config& c, const RawValue& raw) -> Status {
                  int64_t n = 0;
                  if (const int64_t* i = std::get_if<int64_t>(&raw)) {
                    n = *i;
                  } else if (const std::string* text = AsText(raw)) {
                    auto t = Trim(*text);
                    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
                    if (ec != std::errc() || ptr != t.data() + t.size()) return Bad("expected an integer");
                  } else {
                    return Bad("expected an integer");
                  }
                  if (n < min || n > max) return Bad(fmt::format("{} is outside {}..{}", n, min, max));
                  get(c) = static_cast<std::remove_reference_t<decltype(get(c))>>(n);
                  return Ok();
                },
                [get](const Config& c) { return std::to_string(get(c)); }};
}

template <typename Get>
KeyDef Size(std::string_view name, std::string_view doc, Get get, uint64_t min, uint64_t max) {
  return KeyDef{name, "size", doc,
                [get, min, max](Config& c, const RawValue& raw) -> Status {
                  std::optional<uint64_t> n;
                  if (const int64_t* i = std::get_if<int64_t>(&raw)) {
                    if (*i >= 0) n = static_cast<uint64_t>(*i);
                  } else if (const std::string* text = AsText(raw)) {
                    n = ParseByteSize(*text);
                  }
                  if (!n) return Bad("expected a size such as 65536, \"64KiB\" or \"16MiB\"");
                  if (*n < min || *n > max) return Bad(fmt::format("{} bytes is outside {}..{}", *n, min, max));
                  get(c) = *n;
                  return Ok();
                },
                [get](const Config& c) { return std::to_string(get(c)); }};
}

template <typename Get>
KeyDef Duration(std::string_view name, std::string_view doc, Get get, milliseconds min, milliseconds max) {
  return KeyDef{name, "duration", doc,
                [get, min, max](Config& c, const RawValue& raw) -> Status {
                  const std::string* text = AsText(raw);
                  std::optional<milliseconds> d = text ? ParseDuration(*text) : std::nullopt;
                  if (!d) return Bad("expected a duration with a unit, such as \"500ms\", \"30s\" or \"5m\"");
                  if (*d < min || *d > max) {
                    return Bad(fmt::format("{} is outside {}..{}", FormatDuration(*d), FormatDuration(min),
                                           FormatDuration(max)));
                  }
                  get(c) = *d;
                  return Ok();
                },
                [get](const Config& c) { return TomlString(FormatDuration(get(c))); }};
}

template <typename Get>
KeyDef StringList(std::string_view name, std::string_view doc, Get get) {
  return KeyDef{name, "string list", doc,
                [get](Config& c, const RawValue& raw) -> Status {
                  if (const auto* list = std::get_if<std::vector<std::string>>(&raw)) {
                    get(c) = *list;
                  } else if (const std::string* text = AsText(raw)) {
                    std::vector<std::string> items;
                    for (auto part : Split(*text, ',')) {
                      if (!Trim(part).empty()) items.emplace_back(Trim(part));
                    }
                    get(c) = std::move(items);
                  } else {
                    return Bad("expected a list of strings");
                  }
                  return Ok();
                },
                [get](const Config& c) {
                  std::string out = "[";
                  for (const auto& item : get(c)) {
                    out += (out.size() > 1 ? ", " : "") + TomlString(item);
                  }
                  return out + "]";
                }};
}

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

KeyDef Alias(KeyDef key, std::string_view env) {
  key.env_alias = env;
  return key;
}

KeyDef Secret(KeyDef key, std::string_view env) {
  key.secret = true;
  key.env_alias = env;
  return key;
}

std::vector<KeyDef> BuildTable() {
  constexpr uint64_t kGiB = 1ULL << 30;
  return {
      String("listen", "Address and port the HTTP server listens on; `[::1]:8080` for IPv6.",
             [](auto& c) -> auto& { return c.listen; }),
      String("database",
             "Database URL: `sqlite:PATH` for the embedded database, or `postgres://user@host/db` "
             "(any libpq URL) for PostgreSQL.",
             [](auto& c) -> auto& { return c.database; }),
      String("data_dir", "Directory for Chorus's files (database, audio, keys). Created with mode 0700.",
             [](auto& c) -> auto& { return c.data_dir; }),
      String("log.level", "Lowest level written.", [](auto& c) -> auto& { return c.log.level; },
             {"trace", "debug", "info", "warn", "error", "off"}),
      String("log.format", "`text` for people, `json` for log collectors (one object per line).",
             [](auto& c) -> auto& { return c.log.format; }, {"text", "json"}),
      String("log.file", "File to append log lines to; empty for standard error.",
             [](auto& c) -> auto& { return c.log.file; }),
      Int("http.threads", "Network threads; 0 starts one per core.",
          [](auto& c) -> auto& { return c.http.threads; }, 0, 256),
      Size("http.max_header_bytes", "Largest request line plus headers; larger requests get 431.",
           [](auto& c) -> auto& { return c.http.max_header_bytes; }, 1024, 1024 * 1024),
      Size("http.max_body_bytes",
           "Largest request body. A larger Content-Length gets 413 before the body is read; a chunked "
           "body is cut off at the limit.",
           [](auto& c) -> auto& { return c.http.max_body_bytes; }, 0, 64 * kGiB),
      Size("http.max_upload_bytes",
           "Largest multipart/form-data body (audio uploads). Uploads are written to an unnamed file "
           "under <data_dir>/uploads, never held in memory; a larger Content-Length gets 413.",
           [](auto& c) -> auto& { return c.http.max_upload_bytes; }, 0, 64 * kGiB),
      Duration("http.upload_timeout", "Time allowed to receive one whole multipart upload.",
               [](auto& c) -> auto& { return c.http.upload_timeout; }, milliseconds(10), hours(24)),
      Duration("http.read_timeout", "Time allowed to receive one whole request, from its first byte.",
               [](auto& c) -> auto& { return c.http.read_timeout; }, milliseconds(10), hours(24)),
      Duration("http.idle_timeout", "Time a keep-alive connection may wait for its next request.",
               [](auto& c) -> auto& { return c.http.idle_timeout; }, milliseconds(10), hours(24)),
      Duration("http.write_timeout", "Time allowed for one write to a client that stopped reading.",
               [](auto& c) -> auto& { return c.http.write_timeout; }, milliseconds(10), hours(24)),
      Int("http.max_connections",
          "Open client connections allowed at once; further connections get 503 and are closed.",
          [](auto& c) -> auto& { return c.http.max_connections; }, 1, 1000000),
      Duration("http.shutdown_grace",
               "On SIGTERM or SIGINT: how long in-flight requests may run before they are cut off.",
               [](auto& c) -> auto& { return c.http.shutdown_grace; }, milliseconds(0), hours(1)),
      StringList("http.cors_origins",
                 "Origins allowed to call the API from a browser, e.g. `[\"https://app.example.com\"]`. "
                 "Empty: no CORS headers are sent. `\"*\"` allows any origin, never with credentials.",
                 [](auto& c) -> auto& { return c.http.cors_origins; }),
      Bool("http.cors_allow_credentials",
           "Send `Access-Control-Allow-Credentials: true` to the listed origins (never to `*`).",
           [](auto& c) -> auto& { return c.http.cors_allow_credentials; }),
      Bool("http.access_log", "Write one line per request (method, route, status, bytes, µs, request id).",
           [](auto& c) -> auto& { return c.http.access_log; }),
      String("http.public_url",
             "How clients reach this server, e.g. `https://api.example.com`, for links Chorus stores (a track's "
             "audio URL). Empty: `http://` and the listen address.",
             [](auto& c) -> auto& { return c.http.public_url; }),
      Int("storage.pool_size",
          "Database connections: readers beside the one writer on SQLite, the pool size on PostgreSQL.",
          [](auto& c) -> auto& { return c.storage.pool_size; }, 1, 256),
      Bool("storage.migrate_on_start", "Apply pending migrations when `chorus serve` starts.",
           [](auto& c) -> auto& { return c.storage.migrate_on_start; }),
      Duration("storage.busy_timeout", "How long to wait for a lock or a free connection before failing.",
               [](auto& c) -> auto& { return c.storage.busy_timeout; }, milliseconds(1), hours(1)),
      Duration("storage.connect_timeout", "How long to wait when opening a PostgreSQL connection.",
               [](auto& c) -> auto& { return c.storage.connect_timeout; }, seconds(1), hours(1)),
      String("storage.sqlite_synchronous",
             "SQLite durability: `full` syncs every commit to disk (no acknowledged write is lost on power "
             "failure); `normal` syncs at checkpoints (faster; a power cut may lose the last commits).",
             [](auto& c) -> auto& { return c.storage.sqlite_synchronous; }, {"full", "normal"}),
      Bool("auth.open_registration", "Anyone may register; off: only administrators create accounts.",
           [](auto& c) -> auto& { return c.auth.open_registration; }),
      Duration("auth.session_ttl", "Lifetime of an access (session) token.",
               [](auto& c) -> auto& { return c.auth.session_ttl; }, seconds(60), hours(24 * 7)),
      Duration("auth.refresh_ttl", "Lifetime of a refresh token; each use rotates it.",
               [](auto& c) -> auto& { return c.auth.refresh_ttl; }, seconds(60), hours(24 * 365)),
      Secret(String("auth.master_key",
                    "Master key for secrets at rest: 32 bytes in base64. Empty: the key files in "
                    "`<data_dir>/keys`, generated on first run. Also read from `CHORUS_MASTER_KEY`.",
                    [](auto& c) -> auto& { return c.auth.master_key; }),
             "CHORUS_MASTER_KEY"),
      Size("auth.argon2_memory", "argon2id memory per password hash; at least OWASP's 19 MiB.",
           [](auto& c) -> auto& { return c.auth.argon2_memory; }, 19 * 1024 * 1024, 1ULL << 30),
      Int("auth.argon2_iterations", "argon2id passes per password hash; at least 2.",
          [](auto& c) -> auto& { return c.auth.argon2_iterations; }, 2, 20),
      Int("auth.max_login_failures",
          "Failed logins allowed per account within the window before 429; clears as the window moves.",
          [](auto& c) -> auto& { return c.auth.max_login_failures; }, 1, 100000),
      Int("auth.max_ip_failures", "Failed logins allowed per client address within the window before 429.",
          [](auto& c) -> auto& { return c.auth.max_ip_failures; }, 1, 1000000),
      Duration("auth.login_failure_window", "The sliding window for counting failed logins.",
               [](auto& c) -> auto& { return c.auth.login_failure_window; }, seconds(1), hours(24)),
      Duration("auth.credential_cache_ttl",
               "How long a checked token or API key is trusted without reading the database again. "
               "Revocation is immediate on the node that revokes and takes at most this long elsewhere.",
               [](auto& c) -> auto& { return c.auth.credential_cache_ttl; }, milliseconds(0), hours(1)),
      Alias(String("bootstrap.admin_email",
                   "With bootstrap.admin_password: on a database with no administrator, `chorus serve` "
                   "creates this administrator. Also read from `CHORUS_BOOTSTRAP_ADMIN_EMAIL`.",
                   [](auto& c) -> auto& { return c.bootstrap.admin_email; }),
            "CHORUS_BOOTSTRAP_ADMIN_EMAIL"),
      Secret(String("bootstrap.admin_password",
                    "The first administrator's password (see bootstrap.admin_email). Also read from "
                    "`CHORUS_BOOTSTRAP_ADMIN_PASSWORD`.",
                    [](auto& c) -> auto& { return c.bootstrap.admin_password; }),
             "CHORUS_BOOTSTRAP_ADMIN_PASSWORD"),
      Int("jobs.workers", "Job worker threads in this process; 0 runs no jobs (an API-only node).",
          [](auto& c) -> auto& { return c.jobs.workers; }, 0, 256),
      Int("jobs.prefetch", "Jobs claimed ahead per worker, so claims and completions commit in batches.",
          [](auto& c) -> auto& { return c.jobs.prefetch; }, 0, 1000),
      Duration("jobs.lease",
               "How long a claimed job is held without a heartbeat; a worker that dies loses its jobs to "
               "other workers after this. Heartbeats run every third of it.",
               [](auto& c) -> auto& { return c.jobs.lease; }, seconds(1), hours(24)),
      Duration("jobs.poll_interval",
               "How often idle workers look for jobs enqueued by other processes when no notification "
               "comes (SQLite has none; PostgreSQL wakes workers with NOTIFY).",
               [](auto& c) -> auto& { return c.jobs.poll_interval; }, milliseconds(10), seconds(60)),
      Duration("jobs.backoff_base", "First retry delay of a failed attempt; doubles each attempt, with jitter.",
               [](auto& c) -> auto& { return c.jobs.backoff_base; }, milliseconds(1), hours(1)),
      Duration("jobs.backoff_max", "Longest retry delay.", [](auto& c) -> auto& { return c.jobs.backoff_max; },
               milliseconds(1), hours(24)),
      Duration("jobs.retention",
               "Payloads and results of jobs finished longer ago than this are purged (the job rows stay).",
               [](auto& c) -> auto& { return c.jobs.retention; }, hours(1), hours(24 * 3650)),
      Int("jobs.webhook_max_attempts", "Delivery attempts of a webhook before it is given up.",
          [](auto& c) -> auto& { return c.jobs.webhook_max_attempts; }, 1, 100),
      StringList("outbound.allow",
                 "CIDRs that URLs from users may reach although they are not public (e.g. `[\"10.0.0.0/8\"]` "
                 "for an internal webhook receiver). Empty: only public addresses.",
                 [](auto& c) -> auto& { return c.outbound.allow; }),
      Duration("outbound.connect_timeout", "Connect timeout of outbound requests (webhooks, audio URLs).",
               [](auto& c) -> auto& { return c.outbound.connect_timeout; }, milliseconds(100), minutes(10)),
      Duration("outbound.read_timeout", "Timeout of an outbound request once connected.",
               [](auto& c) -> auto& { return c.outbound.read_timeout; }, milliseconds(100), hours(1)),
      Size("outbound.max_response_bytes", "Largest response an outbound request accepts.",
           [](auto& c) -> auto& { return c.outbound.max_response_bytes; }, 1024, 1ULL << 30),
      StringList("tts.voices",
                 "Voice names for /v1/audio/speech on espeak-ng voices, `name=voice` or `name=voice:pitch` "
                 "(pitch 0-100), e.g. `[\"alloy=en-gb:45\", \"narrator=en-us:30\"]`. They replace OpenAI's "
                 "names of the same name and add others.",
                 [](auto& c) -> auto& { return c.tts.voices; }),
      StringList("tts.prices",
                 "Cost of text-to-speech per million characters, by model: `[\"tts-1=15\"]`. Unlisted "
                 "models cost nothing.",
                 [](auto& c) -> auto& { return c.tts.prices; }),
      Int("stt.decoders",
          "Speech recognitions that run at once; each PocketSphinx decoder holds ~100 MB, created on first use.",
          [](auto& c) -> auto& { return c.stt.decoders; }, 1, 64),
      Duration("stt.max_duration", "Longest audio accepted for speech-to-text, enforced while decoding.",
               [](auto& c) -> auto& { return c.stt.max_duration; }, milliseconds(1000), hours(24)),
      String("stt.model_dir", "The PocketSphinx model directory (acoustic model, en-us.lm.bin, cmudict-en-us.dict).",
             [](auto& c) -> auto& { return c.stt.model_dir; }),
      String("stt.default_model",
             "The speech-to-text model that `whisper-1` and a request without a model get: "
             "`pocketsphinx-en-us` (local) or a provider's transcription model.",
             [](auto& c) -> auto& { return c.stt.default_model; }),
      StringList("stt.prices",
                 "Cost of speech-to-text per minute of audio, by model: `[\"whisper-1=0.006\"]`. Unlisted "
                 "models cost nothing.",
                 [](auto& c) -> auto& { return c.stt.prices; }),
      Size("stt.max_url_bytes", "Largest audio file fetched from an audio_url.",
           [](auto& c) -> auto& { return c.stt.max_url_bytes; }, 1024, 16 * kGiB),
      Duration("llm.connect_timeout", "Connect timeout to a model provider.",
               [](auto& c) -> auto& { return c.llm.connect_timeout; }, milliseconds(10), minutes(10)),
      Duration("llm.first_byte_timeout",
               "From sending a streamed model request to its response headers; past it the next deployment "
               "is tried.",
               [](auto& c) -> auto& { return c.llm.first_byte_timeout; }, milliseconds(10), hours(1)),
      Duration("llm.answer_timeout",
               "From sending a whole (non-streamed) model request to its response headers, which a provider "
               "sends once the answer is written (minutes, for a reasoning model); past it the next "
               "deployment is tried.",
               [](auto& c) -> auto& { return c.llm.answer_timeout; }, milliseconds(10), hours(2)),
      Duration("llm.idle_timeout",
               "Longest silence between two pieces of a provider's response (a reasoning model streams "
               "nothing while it thinks, for minutes).",
               [](auto& c) -> auto& { return c.llm.idle_timeout; }, milliseconds(10), hours(1)),
      Size("llm.max_response_bytes",
           "Largest whole (non-streamed) response accepted from a provider, and longest reply text a "
           "conversation keeps from a stream.",
           [](auto& c) -> auto& { return c.llm.max_response_bytes; }, 1024, 1ULL << 30),
      Int("llm.max_attempts",
          "Deployments tried for one request when a connection fails, times out, or answers anything but "
          "2xx or the caller's own mistake (400, 413, 415, 422), before anything reached the client.",
          [](auto& c) -> auto& { return c.llm.max_attempts; }, 1, 10),
      Duration("llm.fallback_backoff", "Pause before the second attempt; it doubles for each further one.",
               [](auto& c) -> auto& { return c.llm.fallback_backoff; }, milliseconds(0), seconds(60)),
      Duration("llm.usage_flush_interval",
               "Usage rows of model calls are written in one batch this often (sooner once 2,048 wait), "
               "off the request path.",
               [](auto& c) -> auto& { return c.llm.usage_flush_interval; }, milliseconds(10), seconds(60)),
      Duration("llm.reload_interval",
               "How often providers managed through the admin API are re-read (other nodes' changes).",
               [](auto& c) -> auto& { return c.llm.reload_interval; }, seconds(1), hours(24)),
  };
}

}  // namespace

const std::vector<KeyDef>& KeyTable() {
  static const std::vector<KeyDef> table = BuildTable();
  return table;
}

const KeyDef* FindKey(std::string_view name) {
  for (const auto& key : KeyTable()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string out = "CHORUS_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace chorus::config::detail
