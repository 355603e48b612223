#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "app/runtime.h"
#include "app/version.h"
#include "base/log.h"
#include "config/config.h"

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
      out += fmt::format(R"({}{{"method":"{}","path":"{}","access":"{}"}})", first ? "" : ",",
                         http::MethodName(route->method), route->pattern, http::AccessName(route->access));
    } else {
      out += fmt::format("{:<7} {:<40} {:<7} {}\n", http::MethodName(route->method), route->pattern,
                         http::AccessName(route->access), route->summary);
    }
    first = false;
  }
  std::cout << out << (json ? "]\n" : "");
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  }

  if (serve->parsed()) return Serve(serve_options);
  if (migrate->parsed()) return Migrate(migrate_options, status_only);
  if (version->parsed()) {
    std::cout << "chorus " << CHORUS_VERSION << " (" << CHORUS_GIT_COMMIT << ")\n";
    return 0;
  }
  if (check->parsed()) return ConfigCheck(check_options);
  if (routes->parsed()) return Routes(routes_options, json);
  return kUsageError;
}

}  // namespace chorus::app
