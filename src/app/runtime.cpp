#include "app/runtime.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "api/ops.h"
#include "app/process_metrics.h"
#include "app/version.h"
#include "base/log.h"
#include "base/strings.h"
#include "store/pool_metrics.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_database.h"

namespace chorus::app {
namespace {

// Creates `dir` (and parents) with mode 0700 when it does not exist.
Status EnsurePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Ok();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  ::chmod(dir.c_str(), 0700);
  return Ok();
}

Result<std::unique_ptr<store::Database>> OpenDatabase(const config::Config& config) {
  const auto& s = config.storage;
  if (StartsWith(config.database, "sqlite:")) {
    const std::filesystem::path path = config.database.substr(7);
    if (path.has_parent_path()) CHORUS_TRY(EnsurePrivateDirectory(path.parent_path()));
    return store::sqlite::Open({.path = path.string(),
                                .readers = s.pool_size,
                                .busy_timeout = s.busy_timeout,
                                .synchronous_full = s.sqlite_synchronous == "full"});
  }
  return store::postgres::Open({.url = config.database,
                                .pool_size = s.pool_size,
                                .acquire_timeout = s.busy_timeout,
                                .connect_timeout = s.connect_timeout});
}

int NetworkThreads(const config::Config& config) {
  if (config.http.threads > 0) return config.http.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::Open(const config::Config& config) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  CHORUS_TRY(EnsurePrivateDirectory(config.data_dir));
  CHORUS_ASSIGN_OR_RETURN(rt->db_, OpenDatabase(config));
  // One blocking thread per connection the database can lend: work never queues behind a thread
  // that is only waiting for a connection.
  const size_t connections = static_cast<size_t>(config.storage.pool_size) +
                             (rt->db_->dialect() == store::Dialect::kSqlite ? 1 : 0);
  rt->blocking_ = std::make_unique<BlockingPool>(connections);
  rt->async_db_ = std::make_unique<store::AsyncDb>(*rt->db_, *rt->blocking_);
  return rt;
}

Runtime::~Runtime() {
  if (blocking_) blocking_->Join();
}

std::span<const store::Migration> Runtime::migrations() const { return store::EmbeddedMigrations(db_->dialect()); }

Result<int> Runtime::Migrate() { return store::ApplyMigrations(*db_, migrations()); }

Result<store::MigrationStatus> Runtime::InspectMigrations() { return store::InspectMigrations(*db_, migrations()); }

Status Runtime::BuildRoutes() {
  health_ = std::make_unique<services::HealthService>(*async_db_, migrations());
  CHORUS_TRY(api::AddOpsRoutes(router_, {.health = *health_, .metrics = registry_}));
  CHORUS_TRY(router_.CheckDeclarations());

  http_metrics_ = std::make_unique<http::HttpMetrics>(router_);
  dispatcher_ = std::make_unique<http::Dispatcher>(
      router_, *http_metrics_,
      http::DispatcherSettings{.cors_origins = config_.http.cors_origins,
                               .cors_allow_credentials = config_.http.cors_allow_credentials,
                               .access_log = config_.http.access_log});
  registry_.Add([m = http_metrics_.get()](std::string& out) { m->Render(out); });
  registry_.Add([db = db_.get()](std::string& out) { store::RenderPoolMetrics(*db, out); });
  registry_.Add(RenderProcessMetrics);
  return Ok();
}

int Runtime::Serve() {
  const auto started = std::chrono::steady_clock::now();
  if (config_.storage.migrate_on_start) {
    auto applied = Migrate();
    if (!applied) {
      log::Error("migration failed", {{"error", applied.error().message}});
      return 1;
    }
  } else if (auto status = InspectMigrations(); status && !status->Current()) {
    log::Warn("database is not migrated; /readyz reports unready until `chorus migrate` runs");
  }
  if (auto built = BuildRoutes(); !built) {
    log::Error("cannot build routes", {{"error", built.error().message}});
    return 1;
  }
  const auto endpoint = config::ParseEndpoint(config_.listen);  // validated when the config loaded
  http::ServerSettings settings{
      .host = endpoint->host,
      .port = endpoint->port,
      .threads = NetworkThreads(config_),
      .max_header_bytes = config_.http.max_header_bytes,
      .max_body_bytes = config_.http.max_body_bytes,
      .read_timeout = config_.http.read_timeout,
      .idle_timeout = config_.http.idle_timeout,
      .write_timeout = config_.http.write_timeout,
      .shutdown_grace = config_.http.shutdown_grace,
      .max_connections = config_.http.max_connections,
      .handle_signals = true,
  };
  http::Server server(settings, *dispatcher_);
  if (auto listening = server.Listen(); !listening) {
    log::Error("cannot listen", {{"error", listening.error().message}});
    return 1;
  }
  const auto startup_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  const std::string address = endpoint->host.find(':') != std::string::npos
                                  ? fmt::format("[{}]:{}", endpoint->host, server.port())
                                  : fmt::format("{}:{}", endpoint->host, server.port());
  log::Info("listening", {{"address", address},
                          {"database", db_->Describe()},
                          {"threads", settings.threads},
                          {"version", CHORUS_VERSION},
                          {"startup_us", static_cast<int64_t>(startup_us)}});
  server.Run();
  blocking_->Join();
  log::Info("stopped");
  return 0;
}

}  // namespace chorus::app
