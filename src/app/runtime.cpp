#include "app/runtime.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/audio_routes.h"
#include "api/job_routes.h"
#include "api/llm_routes.h"
#include "api/openai_routes.h"
#include "api/track_routes.h"
#include "api/transcription_routes.h"
#include "api/ops.h"
#include "app/process_metrics.h"
#include "app/version.h"
#include "base/log.h"
#include "base/strings.h"
#include "native/speech_module.h"
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

// Periodic upkeep while serving: writes API-key use times collected in memory and purges expired
// sessions and refresh tokens, every 30 s and once more at shutdown.
class Maintenance {
 public:
  explicit Maintenance(services::AuthService& auth) : auth_(auth), thread_([this] { Loop(); }) {}
  ~Maintenance() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      const bool stop = wake_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_; });
      lock.unlock();
      if (auto done = auth_.FlushAndPurge(); !done) {
        log::Warn("maintenance failed", {{"error", done.error().message}});
      }
      lock.lock();
      if (stop) return;
    }
  }

  services::AuthService& auth_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

int NetworkThreads(const config::Config& config) {
  if (config.http.threads > 0) return config.http.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::Open(const config::Config& config) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  CHORUS_TRY(EnsurePrivateDirectory(config.data_dir));
  CHORUS_TRY(EnsurePrivateDirectory(std::filesystem::path(config.data_dir) / "uploads"));
  CHORUS_ASSIGN_OR_RETURN(rt->db_, OpenDatabase(config));
  // One blocking thread per connection the database can lend: work never queues behind a thread
  // that is only waiting for a connection.
  const size_t connections = static_cast<size_t>(config.storage.pool_size) +
                             (rt->db_->dialect() == store::Dialect::kSqlite ? 1 : 0);
  rt->blocking_ = std::make_unique<BlockingPool>(connections);
  rt->async_db_ = std::make_unique<store::AsyncDb>(*rt->db_, *rt->blocking_);
  CHORUS_ASSIGN_OR_RETURN(auth::SecretBox box, auth::SecretBox::Open(config.data_dir, config.auth.master_key));
  rt->secret_box_ = std::make_unique<auth::SecretBox>(std::move(box));
  rt->cpu_ = std::make_unique<BlockingPool>(std::max(1u, std::thread::hardware_concurrency()));
  rt->hasher_ = std::make_unique<auth::PasswordHasher>(auth::PasswordParams{
      .memory_bytes = config.auth.argon2_memory, .iterations = static_cast<uint64_t>(config.auth.argon2_iterations)});
  const auto& a = config.auth;
  rt->auth_ = std::make_unique<services::AuthService>(
      *rt->async_db_, *rt->cpu_, *rt->hasher_,
      services::AuthSettings{.open_registration = a.open_registration,
                             .session_ttl = a.session_ttl,
                             .refresh_ttl = a.refresh_ttl,
                             .max_login_failures = a.max_login_failures,
                             .max_ip_failures = a.max_ip_failures,
                             .failure_window = a.login_failure_window,
                             .credential_cache_ttl = a.credential_cache_ttl});
  rt->accounts_ = std::make_unique<services::AccountService>(*rt->async_db_, *rt->auth_);
  rt->api_keys_ = std::make_unique<services::ApiKeyService>(*rt->async_db_, *rt->auth_);
  rt->providers_ = std::make_unique<services::ProviderKeyService>(*rt->async_db_, *rt->secret_box_);
  rt->admin_ = std::make_unique<services::AdminService>(*rt->async_db_, *rt->auth_);
  CHORUS_ASSIGN_OR_RETURN(http::client::UrlGuard guard, http::client::UrlGuard::Make(config.outbound.allow));
  rt->url_guard_ = std::make_unique<http::client::UrlGuard>(std::move(guard));
  rt->outbound_ = std::make_unique<http::client::Client>(
      *rt->url_guard_, http::client::ClientSettings{.connect_timeout = config.outbound.connect_timeout,
                                                    .read_timeout = config.outbound.read_timeout,
                                                    .max_response_bytes = config.outbound.max_response_bytes});
  rt->webhook_secrets_ = std::make_unique<jobs::WebhookSecrets>(*rt->db_, *rt->secret_box_);
  rt->webhook_handler_ = std::make_unique<jobs::WebhookHandler>(*rt->db_, *rt->webhook_secrets_, *rt->outbound_);
  rt->handlers_.Add(jobs::kWebhookKind, *rt->webhook_handler_);
  rt->job_notifier_ = std::make_unique<jobs::JobNotifier>(*rt->db_, rt->job_signal_);
  rt->job_service_ = std::make_unique<services::JobService>(*rt->async_db_, *rt->blocking_, *rt->url_guard_,
                                                           *rt->webhook_secrets_, *rt->job_notifier_);
  rt->blobs_ = std::make_unique<storage::FileBlobStore>(std::filesystem::path(config.data_dir) / "blobs");
  CHORUS_TRY(rt->OpenSpeechToText());
  CHORUS_TRY(rt->OpenTextToSpeech());
  return rt;
}

// The transcription service and its job kind, before any worker starts (a worker-only node runs
// these jobs too).
Status Runtime::OpenSpeechToText() {
  const config::SttConfig& stt = config_.stt;
  engines::PocketSphinxOptions options{.model_dir = stt.model_dir, .max_decoders = stt.decoders};
  stt_engine_ = std::make_unique<LazySttEngine>(
      std::vector<std::string>{"en"}, [options]() -> Result<std::unique_ptr<engines::SttEngine>> {
        return native::OpenPocketSphinx(options);
      });
  services::SttModels models{.engines = {{services::kLocalSttModel, stt_engine_.get()}},
                             .default_model = stt.default_model};
  // Providers' models: their URLs are the operator's, not users', so any address may be reached.
  CHORUS_ASSIGN_OR_RETURN(http::client::UrlGuard open_guard, http::client::UrlGuard::Make({"0.0.0.0/0", "::/0"}));
  provider_guard_ = std::make_unique<http::client::UrlGuard>(std::move(open_guard));
  provider_client_ = std::make_unique<http::client::Client>(
      *provider_guard_, http::client::ClientSettings{.connect_timeout = config_.llm.connect_timeout,
                                                     .read_timeout = std::chrono::minutes(10),
                                                     .max_response_bytes = 32 << 20});
  for (const auto& p : config_.providers) {
    for (const auto& [name, upstream] : p.transcription_models) {
      auto& engine = upstream_stt_.emplace_back(std::make_unique<services::UpstreamSttEngine>(
          *provider_client_, services::UpstreamSttTarget{p.name, p.base_url, p.api_key, upstream}));
      models.engines[name] = engine.get();
    }
  }
  if (!models.engines.contains(models.default_model)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "stt.default_model: \"" + models.default_model + "\" is neither " +
                          services::kLocalSttModel + " nor a provider's transcription model");
  }
  // Upstream calls wait on the network, not a decoder: a few threads more for them.
  stt_pool_ = std::make_unique<BlockingPool>(static_cast<size_t>(stt.decoders) + (upstream_stt_.empty() ? 0 : 4));
  audio_fetcher_ = std::make_unique<http::client::Client>(
      *url_guard_, http::client::ClientSettings{.connect_timeout = config_.outbound.connect_timeout,
                                                .read_timeout = config_.outbound.read_timeout,
                                                .max_response_bytes = stt.max_url_bytes});
  CHORUS_ASSIGN_OR_RETURN(auto prices, services::ParsePriceTable(stt.prices, "stt.prices"));
  services::SttSettings settings{.max_seconds = std::chrono::duration<double>(stt.max_duration).count(),
                                 .price_per_minute = std::move(prices)};
  transcriptions_ = std::make_unique<services::TranscriptionService>(
      std::move(models), *stt_pool_, *async_db_, *blobs_, *audio_fetcher_, *job_service_, std::move(settings));
  handlers_.Add(services::kTranscriptionJobKind, transcriptions_->job_handler());
  return Ok();
}

// Text-to-speech and its "speech" job kind, before any worker starts.
Status Runtime::OpenTextToSpeech() {
  tts_engine_ = std::make_unique<LazyTtsEngine>([]() -> Result<std::unique_ptr<engines::TtsEngine>> {
    return native::OpenEspeak();
  });
  speech_pool_ = std::make_unique<BlockingPool>(std::max(4u, 2 * std::thread::hardware_concurrency()));
  CHORUS_ASSIGN_OR_RETURN(auto tts_settings, services::MakeTtsSettings(config_.tts.voices, config_.tts.prices));
  tts_settings_ = std::make_unique<services::TtsSettings>(std::move(tts_settings));
  for (const auto& p : config_.providers) {
    for (const auto& [name, upstream] : p.speech_models) {
      auto& engine = upstream_tts_.emplace_back(std::make_unique<services::UpstreamTtsEngine>(
          *provider_client_, services::UpstreamTtsTarget{p.name, p.base_url, p.api_key, upstream}));
      tts_settings_->upstream[name] = engine.get();
    }
  }
  speech_ = std::make_unique<services::SpeechService>(*tts_engine_, *speech_pool_, *async_db_, *tts_settings_);
  const std::string public_url =
      config_.http.public_url.empty() ? "http://" + config_.listen : config_.http.public_url;
  tracks_ = std::make_unique<services::TrackService>(*async_db_, *speech_pool_, *blobs_, *tts_engine_, public_url,
                                                     *tts_settings_, *job_service_);
  handlers_.Add(services::kSpeechJobKind, tracks_->job_handler());
  return Ok();
}

void Runtime::StartWorkers() {
  if (config_.jobs.workers <= 0 || worker_pool_) return;
  const auto& j = config_.jobs;
  worker_pool_ = std::make_unique<jobs::WorkerPool>(*db_, handlers_, job_signal_,
                                                    jobs::WorkerSettings{.workers = j.workers,
                                                                         .prefetch = j.prefetch,
                                                                         .lease = j.lease,
                                                                         .poll_interval = j.poll_interval,
                                                                         .backoff_base = j.backoff_base,
                                                                         .backoff_max = j.backoff_max,
                                                                         .retention = j.retention,
                                                                         .webhook_max_attempts = j.webhook_max_attempts});
  registry_.Add([pool = worker_pool_.get()](std::string& out) { pool->RenderMetrics(out); });
  worker_pool_->Start();
}

Runtime::~Runtime() {
  if (worker_pool_) worker_pool_->Stop(config_.http.shutdown_grace);
  if (stt_pool_) stt_pool_->Join();
  if (speech_pool_) speech_pool_->Join();
  if (cpu_) cpu_->Join();
  if (blocking_) blocking_->Join();
}

std::span<const store::Migration> Runtime::migrations() const { return store::EmbeddedMigrations(db_->dialect()); }

Result<int> Runtime::Migrate() { return store::ApplyMigrations(*db_, migrations()); }

Result<store::MigrationStatus> Runtime::InspectMigrations() { return store::InspectMigrations(*db_, migrations()); }

Status Runtime::BuildRoutes() {
  health_ = std::make_unique<services::HealthService>(*async_db_, migrations());
  CHORUS_TRY(api::AddOpsRoutes(router_, {.health = *health_, .metrics = registry_}));
  CHORUS_TRY(api::AddIdentityRoutes(router_, {.auth = *auth_,
                                              .accounts = *accounts_,
                                              .api_keys = *api_keys_,
                                              .providers = *providers_,
                                              .admin = *admin_}));
  CHORUS_TRY(api::AddJobRoutes(router_, *job_service_));
  llm_ = LlmStack::Build(config_, *async_db_, *blocking_, *secret_box_, *url_guard_, *providers_);
  conversations_ = std::make_unique<services::ConversationService>(*async_db_, *llm_->gateway);
  usage_ = std::make_unique<services::UsageService>(*async_db_);
  CHORUS_TRY(api::AddOpenAiRoutes(router_, *llm_->gateway, {"tts-1", "tts-1-hd", "espeak-ng"}));
  CHORUS_TRY(api::AddAudioRoutes(router_, *speech_));
  CHORUS_TRY(api::AddTrackRoutes(router_, *tracks_));
  CHORUS_TRY(api::AddTranscriptionRoutes(router_, *transcriptions_));
  registry_.Add([tracks = tracks_.get()](std::string& out) { tracks->RenderMetrics(out); });
  CHORUS_TRY(api::AddConversationRoutes(router_, *conversations_));
  CHORUS_TRY(api::AddUsageRoutes(router_, *usage_));
  CHORUS_TRY(api::AddProviderAdminRoutes(router_, *llm_->catalog));
  registry_.Add([usage = llm_->usage.get()](std::string& out) { usage->RenderMetrics(out); });
  CHORUS_TRY(router_.CheckDeclarations());

  authenticator_ = std::make_unique<api::BearerAuthenticator>(*auth_);
  http_metrics_ = std::make_unique<http::HttpMetrics>(router_);
  dispatcher_ = std::make_unique<http::Dispatcher>(
      router_, *http_metrics_,
      http::DispatcherSettings{.cors_origins = config_.http.cors_origins,
                               .cors_allow_credentials = config_.http.cors_allow_credentials,
                               .access_log = config_.http.access_log},
      authenticator_.get());
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
  if (auto made = BootstrapAdmin(); !made) {
    log::Error("cannot create the bootstrap administrator", {{"error", made.error().message}});
    return 1;
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
      .spool_dir = (std::filesystem::path(config_.data_dir) / "uploads").string(),
      .max_upload_bytes = config_.http.max_upload_bytes,
      .upload_timeout = config_.http.upload_timeout,
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
  if (auto loaded = llm_->catalog->Reload(); !loaded) {
    log::Warn("providers from the database not loaded", {{"error", loaded.error().message}});
  }
  llm_->catalog->StartReloading(config_.llm.reload_interval);
  Maintenance maintenance(*auth_);
  StartWorkers();
  server.Run();
  if (worker_pool_) worker_pool_->Stop(config_.http.shutdown_grace);
  if (stt_pool_) stt_pool_->Join();
  maintenance.Stop();
  speech_pool_->Join();
  cpu_->Join();
  blocking_->Join();
  log::Info("stopped");
  return 0;
}

int Runtime::Work() {
  auto status = InspectMigrations();
  if (!status) {
    log::Error("cannot read the database", {{"error", status.error().message}});
    return 1;
  }
  if (!status->Current()) {
    log::Error("the database is not migrated; run `chorus migrate` (or start `chorus serve`) first");
    return 1;
  }
  if (config_.jobs.workers <= 0) {
    log::Error("jobs.workers is 0: this worker would run nothing");
    return 2;
  }
  // Block the stop signals here and wait for them synchronously: this process has no event loop.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  StartWorkers();
  log::Info("worker ready", {{"workers", config_.jobs.workers}, {"database", db_->Describe()}});
  int signal = 0;
  sigwait(&stop, &signal);
  log::Info("signal received, finishing running jobs", {{"signal", signal}});
  worker_pool_->Stop(config_.http.shutdown_grace);
  auto flushed = auth_->FlushAndPurge();
  (void)flushed;
  log::Info("stopped");
  return 0;
}

Status Runtime::BootstrapAdmin() {
  const auto& b = config_.bootstrap;
  if (b.admin_email.empty() && b.admin_password.empty()) return Ok();
  if (b.admin_email.empty() || b.admin_password.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "bootstrap.admin_email and bootstrap.admin_password must be set together");
  }
  CHORUS_ASSIGN_OR_RETURN(int64_t admins, RunSync(admin_->CountAdmins()));
  if (admins > 0) return Ok();
  const std::string username = b.admin_email.substr(0, b.admin_email.find('@'));
  auto made = RunSync(admin_->CreateUser({.email = b.admin_email,
                                          .username = username.size() >= 3 ? username : "admin",
                                          .password = b.admin_password,
                                          .access_role = "admin"}));
  if (!made) return Unexpected(std::move(made).error());
  log::Info("bootstrap administrator created", {{"user_id", made->id}});
  return Ok();
}

}  // namespace chorus::app
