#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "app/runtime.h"
#include "app/version.h"
#include "base/log.h"
#include "app/speech_cli.h"
#include "app/transcribe_cli.h"
#include "config/config.h"
#include "services/provider_key_service.h"

namespace chorus::app {
namespace {

constexpr int kRuntimeFailure = 1;
constexpr int kUsageError = 2;

// Options every command that reads the configuration accepts.
struct ConfigOptions {
  std::string file;
  std::string listen, database, data_dir, log_level, log_format;
  std::vector<std::string> sets;

  void AddTo(CLI::App* command) {
    command->add_option("-c,--config", file, "TOML configuration file")->check(CLI::ExistingFile);
    command->add_option("--listen", listen, "Address to listen on, host:port (key: listen)");
    command->add_option("--database", database, "sqlite:PATH or a postgres:// URL (key: database)");
    command->add_option("--data-dir", data_dir, "Directory for Chorus's files (key: data_dir)");
    command->add_option("--log-level", log_level, "trace|debug|info|warn|error|off (key: log.level)");
    command->add_option("--log-format", log_format, "text|json (key: log.format)");
    command->add_option("--set", sets, "Any configuration key: --set http.max_body_bytes=32MiB")->allow_extra_args(false);
  }

  Result<config::Config> Load() const {
    config::Sources sources;
    sources.file = file;
    sources.env = config::ProcessEnvironment();
    auto flag = [&](const char* key, const std::string& value) {
      if (!value.empty()) sources.overrides.emplace_back(key, value);
    };
    flag("listen", listen);
    flag("database", database);
    flag("data_dir", data_dir);
    flag("log.level", log_level);
    flag("log.format", log_format);
    for (const auto& set : sets) {
      const auto eq = set.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Unexpected(ErrorCode::kInvalidArgument, fmt::format("--set expects key=value, got \"{}\"", set));
      }
      sources.overrides.emplace_back(set.substr(0, eq), set.substr(eq + 1));
    }
    return config::Load(sources);
  }
};

void InitLogging(const config::Config& config, bool async) {
  log::Settings settings;
  log::ParseLevel(config.log.level, &settings.level);
  log::ParseFormat(config.log.format, &settings.format);
  settings.file = config.log.file;
  settings.async = async;
  log::Init(settings);
}

int ConfigError(const Error& error) {
  std::cerr << "chorus: configuration error: " << error.message << "\n";
  return kUsageError;
}

int Serve(const ConfigOptions& options) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/true);
  int code = kRuntimeFailure;
  {
    auto runtime = Runtime::Open(*config);
    if (!runtime) {
      log::Error("cannot start", {{"error", runtime.error().message}});
    } else {
      code = (*runtime)->Serve();
    }
  }
  log::Shutdown();
  return code;
}

int Worker(const ConfigOptions& options) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/true);
  int code = kRuntimeFailure;
  {
    auto runtime = Runtime::Open(*config);
    if (!runtime) {
      log::Error("cannot start", {{"error", runtime.error().message}});
    } else {
      code = (*runtime)->Work();
    }
  }
  log::Shutdown();
  return code;
}

int Migrate(const ConfigOptions& options, bool status_only) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/false);
  auto runtime = Runtime::Open(*config);
  if (!runtime) {
    std::cerr << "chorus: " << runtime.error().message << "\n";
    return kRuntimeFailure;
  }
  if (!status_only) {
    auto applied = (*runtime)->Migrate();
    if (!applied) {
      std::cerr << "chorus: migration failed: " << applied.error().message << "\n";
      return kRuntimeFailure;
    }
    std::cout << fmt::format("applied {} migration(s)\n", *applied);
  }
  auto status = (*runtime)->InspectMigrations();
  if (!status) {
    std::cerr << "chorus: " << status.error().message << "\n";
    return kRuntimeFailure;
  }
  std::cout << fmt::format("schema version {} of {}; {} pending, {} changed\n",
                           status->applied.empty() ? 0 : status->applied.back(), status->latest_known,
                           status->pending.size(), status->changed.size());
  return status->Current() ? 0 : kRuntimeFailure;
}

int ConfigCheck(const ConfigOptions& options) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  std::cout << config::Render(*config);
  return 0;
}

int Routes(const ConfigOptions& options, bool json) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/false);
  auto runtime = Runtime::Open(*config);
  if (!runtime) {
    std::cerr << "chorus: " << runtime.error().message << "\n";
    return kRuntimeFailure;
  }
  if (auto built = (*runtime)->BuildRoutes(); !built) {
    std::cerr << "chorus: " << built.error().message << "\n";
    return kRuntimeFailure;
  }
  std::string out = json ? "[" : "";
  bool first = true;
  for (const auto& route : (*runtime)->router().routes()) {
    if (json) {
      // The path as OpenAPI writes it: a {rest...} parameter is a plain {rest} there.
      std::string path = route->pattern;
      if (path.ends_with("...}")) path.erase(path.size() - 4, 3);
      out += fmt::format(R"({}{{"method":"{}","path":"{}","access":"{}"}})", first ? "" : ",",
                         http::MethodName(route->method), path, http::AccessName(route->access));
    } else {
      out += fmt::format("{:<7} {:<40} {:<7} {}\n", http::MethodName(route->method), route->pattern,
                         http::AccessName(route->access), route->summary);
    }
    first = false;
  }
  std::cout << out << (json ? "]\n" : "");
  return 0;
}

// Reads a password: from the terminal without echo (asking twice), or one line from piped stdin.
std::optional<std::string> ReadPassword() {
  std::string first;
  if (!::isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, first)) return std::nullopt;
    return first;
  }
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string second;
  std::cerr << "Password: " << std::flush;
  std::getline(std::cin, first);
  std::cerr << "\nRepeat password: " << std::flush;
  std::getline(std::cin, second);
  std::cerr << "\n";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (first != second) {
    std::cerr << "chorus: the passwords differ\n";
    return std::nullopt;
  }
  return first;
}

struct CreateUserOptions {
  std::string email, username, role = "user";
};

int AdminCreateUser(const ConfigOptions& options, const CreateUserOptions& user) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/false);
  auto runtime = Runtime::Open(*config);
  if (!runtime) {
    std::cerr << "chorus: " << runtime.error().message << "\n";
    return kRuntimeFailure;
  }
  if (auto applied = (*runtime)->Migrate(); !applied) {
    std::cerr << "chorus: migration failed: " << applied.error().message << "\n";
    return kRuntimeFailure;
  }
  auto password = ReadPassword();
  if (!password) return kUsageError;
  auto made = (*runtime)->RunSync((*runtime)->admin().CreateUser(
      {.email = user.email, .username = user.username, .password = *password, .access_role = user.role}));
  if (!made) {
    std::cerr << "chorus: " << made.error().message << "\n";
    return made.error().code == ErrorCode::kInvalidArgument || made.error().code == ErrorCode::kAlreadyExists
               ? kUsageError
               : kRuntimeFailure;
  }
  std::cout << fmt::format("created {} {} ({})\n", made->access_role, made->id, user.email);
  return 0;
}

int RotateMasterKey(const ConfigOptions& options) {
  auto config = options.Load();
  if (!config) return ConfigError(config.error());
  InitLogging(*config, /*async=*/false);
  if (!config->auth.master_key.empty()) {
    std::cerr << "chorus: the master key comes from the configuration (auth.master_key / CHORUS_MASTER_KEY); "
                 "rotate it there\n";
    return kUsageError;
  }
  auto runtime = Runtime::Open(*config);
  if (!runtime) {
    std::cerr << "chorus: " << runtime.error().message << "\n";
    return kRuntimeFailure;
  }
  const auth::SecretBox& current = (*runtime)->secret_box();
  auto next = current.WithNewKey(config->data_dir);
  if (!next) {
    std::cerr << "chorus: " << next.error().message << "\n";
    return kRuntimeFailure;
  }
  // Re-seal first, then switch: a crash in between leaves both keys on disk, and each secret
  // names the key that sealed it, so everything stays readable.
  auto resealed = services::ProviderKeyService::ResealAll((*runtime)->database(), current, *next);
  if (!resealed) {
    std::cerr << "chorus: re-encryption failed (nothing changed): " << resealed.error().message << "\n";
    return kRuntimeFailure;
  }
  if (auto made = next->MakeCurrent(config->data_dir); !made) {
    std::cerr << "chorus: " << made.error().message << "\n";
    return kRuntimeFailure;
  }
  std::cout << fmt::format("master key rotated to {}; {} secret(s) re-encrypted\n", next->current_key_id(), *resealed);
  return 0;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Chorus: one self-hosted backend for AI voice, chat and media apps."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("chorus ") + CHORUS_VERSION);

  ConfigOptions serve_options, migrate_options, check_options, routes_options;
  auto* serve = app.add_subcommand("serve", "Serve the API (migrating the database first by default)");
  serve_options.AddTo(serve);

  ConfigOptions worker_options;
  auto* worker = app.add_subcommand("worker", "Run only job workers against the database (no API)");
  worker_options.AddTo(worker);

  auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations");
  migrate_options.AddTo(migrate);
  bool status_only = false;
  migrate->add_flag("--status", status_only, "Only report the migration status");

  auto* version = app.add_subcommand("version", "Print the version");

  auto* config = app.add_subcommand("config", "Configuration tools");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Validate the configuration and print it in full");
  check_options.AddTo(check);

  auto* routes = app.add_subcommand("routes", "List every route with the access it requires");
  routes_options.AddTo(routes);
  bool json = false;
  routes->add_flag("--json", json, "Print JSON");

  auto* admin = app.add_subcommand("admin", "Administration");
  admin->require_subcommand(1);
  ConfigOptions admin_options;
  CreateUserOptions new_user;
  auto* create_user = admin->add_subcommand(
      "create-user", "Create an account; the password is read from the terminal, or one line from stdin");
  admin_options.AddTo(create_user);
  create_user->add_option("--email", new_user.email, "Email address")->required();
  create_user->add_option("--username", new_user.username, "Username")->required();
  create_user->add_option("--role", new_user.role, "user, test or admin")
      ->check(CLI::IsMember({"user", "test", "admin"}));

  auto* keys = app.add_subcommand("keys", "Secrets at rest");
  keys->require_subcommand(1);
  ConfigOptions keys_options;
  auto* rotate = keys->add_subcommand("rotate-master", "Make a new master key and re-encrypt every secret with it");
  keys_options.AddTo(rotate);

  SpeakOptions speak_options;
  auto* speak = app.add_subcommand("speak", "Text to speech offline: chorus speak \"text\" -o out.mp3");
  speak->add_option("text", speak_options.text, "The text (at most 4,096 characters)")->required();
  speak->add_option("-o,--output", speak_options.output, "Audio file; its extension picks the format")->required();
  speak->add_option("--format", speak_options.format, "mp3, opus, aac, flac, wav or pcm (default: from -o)");
  speak->add_option("--voice", speak_options.voice, "An OpenAI voice name or an espeak-ng voice (chorus voices)");
  speak->add_option("--speed", speak_options.speed, "0.25 to 4.0");
  speak->add_option("--timestamps", speak_options.timestamps, "Write character and word times to this JSON file");
  auto* voices = app.add_subcommand("voices", "List the voices chorus speak and /v1/audio/speech take");
  TranscribeCliOptions transcribe_options;
  auto* transcribe = app.add_subcommand("transcribe", "Speech to text offline: chorus transcribe FILE... [--format srt]");
  transcribe->add_option("files", transcribe_options.files, "Audio files (wav, mp3, ogg/opus, flac, m4a, webm, aac)")
      ->required();
  transcribe->add_option("--format", transcribe_options.format, "txt, json, verbose_json, srt or vtt");
  transcribe->add_option("--model", transcribe_options.model, "pocketsphinx-en-us (default) or whisper-1");
  transcribe->add_option("--language", transcribe_options.language, "en");
  transcribe->add_flag("--raw", transcribe_options.raw, "The files are headerless 16 kHz mono 16-bit PCM");
  transcribe->add_option("--model-dir", transcribe_options.model_dir, "The PocketSphinx model directory");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  }

  if (serve->parsed()) return Serve(serve_options);
  if (worker->parsed()) return Worker(worker_options);
  if (migrate->parsed()) return Migrate(migrate_options, status_only);
  if (version->parsed()) {
    std::cout << "chorus " << CHORUS_VERSION << " (" << CHORUS_GIT_COMMIT << ")\n";
    return 0;
  }
  if (check->parsed()) return ConfigCheck(check_options);
  if (routes->parsed()) return Routes(routes_options, json);
  if (create_user->parsed()) return AdminCreateUser(admin_options, new_user);
  if (rotate->parsed()) return RotateMasterKey(keys_options);
  if (speak->parsed()) return Speak(speak_options);
  if (voices->parsed()) return Voices();
  if (transcribe->parsed()) return Transcribe(transcribe_options);
  return kUsageError;
}

}  // namespace chorus::app
