// The composition root: the one place that names concrete types. It turns a Config into a database
// backend, pools, services, routes, a dispatcher and a server, and owns them all. Commands (serve,
// migrate, routes) use it; nothing else constructs these pieces.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>

#include "api/identity_routes.h"
#include "app/lazy_stt_engine.h"
#include "app/lazy_tts_engine.h"
#include "app/llm_stack.h"
#include "auth/passwords.h"
#include "auth/secret_box.h"
#include "base/async.h"
#include "base/metrics.h"
#include "config/config.h"
#include "http/client/client.h"
#include "http/dispatcher.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/handler.h"
#include "jobs/notifier.h"
#include "jobs/signal.h"
#include "jobs/webhooks.h"
#include "jobs/worker_pool.h"
#include "services/account_service.h"
#include "services/conversation_service.h"
#include "services/admin_service.h"
#include "services/api_key_service.h"
#include "services/auth_service.h"
#include "services/health.h"
#include "services/job_service.h"
#include "services/provider_key_service.h"
#include "services/speech_service.h"
#include "services/transcription_service.h"
#include "services/upstream_stt.h"
#include "services/upstream_tts.h"
#include "services/track_service.h"
#include "storage/blob_store.h"
#include "services/usage_service.h"
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
  // (Open) the speech-to-text engine, service and job kind.
  Status OpenSpeechToText();
  // (Open) text-to-speech, stored speech and its job kind.
  Status OpenTextToSpeech();
  const http::Router& router() const { return router_; }

  // Listens, serves until SIGTERM/SIGINT, drains. Returns the process exit code.
  int Serve();

  // Runs only job workers until SIGTERM/SIGINT (`chorus worker`). Returns the exit code.
  int Work();

  // Creates the bootstrap administrator from the configuration when the database has none.
  Status BootstrapAdmin();
  // Runs a service coroutine to completion on a private executor (CLI commands).
  template <typename T>
  T RunSync(Task<T> task);

  services::AdminService& admin() { return *admin_; }
  store::Database& database() { return *db_; }
  const auth::SecretBox& secret_box() const { return *secret_box_; }
  const config::Config& config() const { return config_; }

 private:
  explicit Runtime(config::Config config) : config_(std::move(config)) {}
  // Starts the worker pool when jobs.workers > 0.
  void StartWorkers();

  const config::Config config_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<BlockingPool> blocking_;
  std::unique_ptr<store::AsyncDb> async_db_;
  metrics::Registry registry_;
  std::unique_ptr<services::HealthService> health_;
  std::unique_ptr<BlockingPool> cpu_;  // password hashing
  std::unique_ptr<auth::PasswordHasher> hasher_;
  std::unique_ptr<auth::SecretBox> secret_box_;
  std::unique_ptr<services::AuthService> auth_;
  std::unique_ptr<services::AccountService> accounts_;
  std::unique_ptr<services::ApiKeyService> api_keys_;
  std::unique_ptr<services::ProviderKeyService> providers_;
  std::unique_ptr<services::AdminService> admin_;
  std::unique_ptr<api::BearerAuthenticator> authenticator_;
  std::unique_ptr<http::client::UrlGuard> url_guard_;
  std::unique_ptr<http::client::Client> outbound_;
  jobs::JobSignal job_signal_;
  std::unique_ptr<jobs::JobNotifier> job_notifier_;
  std::unique_ptr<jobs::WebhookSecrets> webhook_secrets_;
  std::unique_ptr<jobs::WebhookHandler> webhook_handler_;
  jobs::HandlerRegistry handlers_;
  std::unique_ptr<services::JobService> job_service_;
  std::unique_ptr<jobs::WorkerPool> worker_pool_;
  std::unique_ptr<LlmStack> llm_;
  std::unique_ptr<services::ConversationService> conversations_;
  std::unique_ptr<services::UsageService> usage_;
  std::unique_ptr<LazyTtsEngine> tts_engine_;
  // Speech encoding holds a thread for a whole request (paced by the client): its own pool, so that
  // slow listeners can never take the threads database work runs on.
  std::unique_ptr<BlockingPool> speech_pool_;
  std::unique_ptr<services::TtsSettings> tts_settings_;
  std::unique_ptr<services::SpeechService> speech_;
  std::unique_ptr<storage::FileBlobStore> blobs_;
  std::unique_ptr<services::TrackService> tracks_;
  // Speech-to-text: recognitions hold a thread (and a decoder) for the length of the audio, so
  // they run on a pool as wide as the engine has decoders.
  std::unique_ptr<LazySttEngine> stt_engine_;
  std::unique_ptr<http::client::UrlGuard> provider_guard_;
  std::unique_ptr<http::client::Client> provider_client_;
  std::vector<std::unique_ptr<services::UpstreamSttEngine>> upstream_stt_;
  std::vector<std::unique_ptr<services::UpstreamTtsEngine>> upstream_tts_;
  std::unique_ptr<BlockingPool> stt_pool_;
  std::unique_ptr<http::client::Client> audio_fetcher_;
  std::unique_ptr<services::TranscriptionService> transcriptions_;
  http::Router router_;
  std::unique_ptr<http::HttpMetrics> http_metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
};

template <typename T>
T Runtime::RunSync(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); },
                        [](std::exception_ptr e) {
                          if (e) std::rethrow_exception(e);
                        });
  io.run();
  return std::move(*out);
}

}  // namespace chorus::app
