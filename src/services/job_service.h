// The caller's jobs (read, list, cancel), their webhook signing secret, and the check every
// callback URL passes before a job that carries it is accepted. Thread-safe.
#pragma once

#include <string>

#include "base/async.h"
#include "http/client/url_guard.h"
#include "jobs/notifier.h"
#include "jobs/webhooks.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/jobs.h"

namespace chorus::services {

class JobService {
 public:
  JobService(store::AsyncDb& db, BlockingPool& blocking, const http::client::UrlGuard& guard,
             jobs::WebhookSecrets& secrets, jobs::JobNotifier& notifier)
      : db_(db), blocking_(blocking), guard_(guard), secrets_(secrets), notifier_(notifier) {}

  Task<Result<store::Job>> Get(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Job>>> List(const Caller& caller, store::JobFilter filter, store::PageRequest page);
  // Pending jobs are cancelled at once; running ones are asked to stop, and their worker notices at
  // its next heartbeat (a third of the lease). kConflict when finished.
  Task<Result<store::Job>> Cancel(const Caller& caller, std::string id);

  // Resolves and checks a callback URL as the delivery will. kInvalidArgument or kPermissionDenied,
  // param "callback_url".
  Task<Status> CheckCallbackUrl(std::string url);
  // The same check for any URL from a user (an audio_url), errors naming `param`.
  Task<Status> CheckUrl(std::string url, std::string param);

  Task<Result<std::string>> WebhookSecret(const Caller& caller);
  Task<Result<std::string>> RotateWebhookSecret(const Caller& caller);

  // Wakes workers after a transaction that enqueued jobs has committed.
  void NotifyEnqueued() { notifier_.Notify(); }

 private:
  store::AsyncDb& db_;
  BlockingPool& blocking_;
  const http::client::UrlGuard& guard_;
  jobs::WebhookSecrets& secrets_;
  jobs::JobNotifier& notifier_;
};

}  // namespace chorus::services
