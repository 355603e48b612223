// Webhooks for jobs: each user's signing secret, and the handler of "webhook.deliver" jobs.
//
// When a job with a callback URL finishes, the worker pool enqueues a "webhook.deliver" job in the
// same transaction. Its handler POSTs a JSON event to the URL (through the UrlGuard) signed with the
// user's secret: `Chorus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. A non-2xx
// answer or a network error retries with backoff; every attempt is recorded in webhook_deliveries.
#pragma once

#include <string>

#include "auth/secret_box.h"
#include "base/result.h"
#include "http/client/client.h"
#include "jobs/handler.h"
#include "store/database.h"

namespace chorus::jobs {

inline constexpr const char* kWebhookKind = "webhook.deliver";

// The per-user webhook signing secret ("whsec_" + 43 base64url characters), sealed at rest.
class WebhookSecrets {
 public:
  WebhookSecrets(store::Database& db, const auth::SecretBox& box) : db_(db), box_(box) {}
  // The user's secret, created on first use. Blocking.
  Result<std::string> GetOrCreate(const std::string& user_id);
  // Replaces the user's secret with a new one and returns it. Blocking.
  Result<std::string> Rotate(const std::string& user_id);

 private:
  store::Database& db_;
  const auth::SecretBox& box_;
};

class WebhookHandler final : public JobHandler {
 public:
  WebhookHandler(store::Database& db, WebhookSecrets& secrets, const http::client::Client& client)
      : db_(db), secrets_(secrets), client_(client) {}
  Result<std::string> Run(JobContext& context) override;

  // The JSON event for a finished job (exposed for tests).
  static std::string EventBody(const store::Job& job, std::string_view event, std::string_view delivery_id,
                               int64_t created);

 private:
  store::Database& db_;
  WebhookSecrets& secrets_;
  const http::client::Client& client_;
};

}  // namespace chorus::jobs
