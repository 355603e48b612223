// The composition root: the one place that names concrete types. It turns a Config into a database
// backend, pools, services, routes, a dispatcher and a server, and owns them all. Commands (serve,
// migrate, routes) use it; nothing else constructs these pieces.
#pragma once

#include <memory>

#include "base/async.h"
#include "base/metrics.h"
#include "config/config.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "services/health.h"
#include "store/async_db.h"
#include "store/database.h"
#include "store/migrate.h"

namespace chorus::app {

class Runtime {
 public:
  // Creates the data directory and opens the database (no migrations yet).
  static Result<std::unique_ptr<Runtime>> Open(const config::Config& config);
  ~Runtime();

  std::span<const store::Migration> migrations() const;
  Result<int> Migrate();
  Result<store::MigrationStatus> InspectMigrations();

  // Builds services and routes; checks that every route declares its access.
  Status BuildRoutes();
  const http::Router& router() const { return router_; }

  // Listens, serves until SIGTERM/SIGINT, drains. Returns the process exit code.
  int Serve();

 private:
  explicit Runtime(config::Config config) : config_(std::move(config)) {}

  const config::Config config_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<BlockingPool> blocking_;
  std::unique_ptr<store::AsyncDb> async_db_;
  metrics::Registry registry_;
  std::unique_ptr<services::HealthService> health_;
  http::Router router_;
  std::unique_ptr<http::HttpMetrics> http_metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
};

}  // namespace chorus::app
