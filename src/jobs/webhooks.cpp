#include "jobs/webhooks.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>

#include "auth/hmac.h"
#include "auth/tokens.h"
#include "base/log.h"
#include "store/jobs.h"
#include "store/transaction.h"
#include "store/webhooks.h"

namespace chorus::jobs {
namespace json = boost::json;
using store::Connection;

namespace {

std::string Context(const std::string& user_id) { return "webhook_secrets:" + user_id; }

json::value Embedded(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value OrNull(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }

}  // namespace

Result<std::string> WebhookSecrets::GetOrCreate(const std::string& user_id) {
  auto sealed = store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Result<store::SealedSecret> {
    auto existing = store::webhooks::GetSecret(c, user_id);
    if (existing || existing.error().code != ErrorCode::kNotFound) return existing;
    CHORUS_ASSIGN_OR_RETURN(std::string ciphertext, box_.Seal(auth::NewToken("whsec_"), Context(user_id)));
    return store::webhooks::EnsureSecret(c, user_id, ciphertext, box_.current_key_id());
  });
  if (!sealed) return Unexpected(std::move(sealed).error());
  return box_.Open(sealed->key_id, sealed->ciphertext, Context(user_id));
}

Result<std::string> WebhookSecrets::Rotate(const std::string& user_id) {
  const std::string secret = auth::NewToken("whsec_");
  CHORUS_ASSIGN_OR_RETURN(std::string ciphertext, box_.Seal(secret, Context(user_id)));
  CHORUS_TRY(store::Transact(db_, store::Access::kWrite, [&](Connection& c) -> Status {
    CHORUS_TRY(store::webhooks::PutSecret(c, user_id, ciphertext, box_.current_key_id()));
    return Ok();
  }));
  return secret;
}

std::string WebhookHandler::EventBody(const store::Job& job, std::string_view event, std::string_view delivery_id,
                                      int64_t created) {
  json::object data{{"id", job.id},
                    {"object", "job"},
                    {"kind", job.kind},
                    {"status", job.status},
                    {"subject_type", OrNull(job.subject_type)},
                    {"subject_id", OrNull(job.subject_id)},
                    {"attempts", job.attempts},
                    {"last_error", OrNull(job.last_error)},
                    {"result", Embedded(job.result)},
                    {"created_at", job.created_at},
                    {"finished_at", OrNull(job.finished_at)}};
  json::object event_object{{"id", std::string(delivery_id)},
                            {"type", std::string(event)},
                            {"created", created},
                            {"data", std::move(data)}};
  return json::serialize(event_object);
}

Result<std::string> WebhookHandler::Run(JobContext& context) {
  const store::Job& delivery = context.job();
  boost::system::error_code ec;
  const json::value payload = json::parse(delivery.payload.value_or("{}"), ec);
  if (ec || !payload.is_object() || !payload.as_object().contains("job_id")) {
    return Unexpected(ErrorCode::kInvalidArgument, "webhook payload is malformed");
  }
  const std::string job_id(payload.at("job_id").as_string());
  const std::string event = payload.as_object().contains("event") ? std::string(payload.at("event").as_string())
                                                                 : std::string("job.finished");
  auto job = store::Transact(db_, store::Access::kRead, [&](Connection& c) { return store::jobs::GetAny(c, job_id); });
  if (!job) return Unexpected(std::move(job).error());  // gone (its user was deleted): nothing to send
  if (!job->callback_url || !job->user_id) return std::string(R"({"skipped":"no callback"})");
  CHORUS_ASSIGN_OR_RETURN(std::string secret, secrets_.GetOrCreate(*job->user_id));

  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string body = EventBody(*job, event, delivery.id, now);
  const auto started = std::chrono::steady_clock::now();
  auto response = client_.Send({.method = "POST",
                                .url = *job->callback_url,
                                .headers = {{"Content-Type", "application/json"},
                                            {"Chorus-Signature", auth::WebhookSignature(secret, now, body)},
                                            {"Chorus-Event", event},
                                            {"Chorus-Delivery", delivery.id}},
                                .body = body});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::optional<int64_t> status;
  std::optional<std::string> error;
  if (response) {
    status = response->status;
    if (response->status < 200 || response->status >= 300) error = fmt::format("receiver answered {}", response->status);
  } else {
    error = response.error().message;
  }
  auto recorded = store::Transact(db_, store::Access::kWrite, [&](Connection& c) {
    return store::webhooks::RecordDelivery(c, job->id, *job->user_id, *job->callback_url, event, delivery.attempts,
                                           status, error, ms.count());
  });
  if (!recorded) log::Warn("recording a webhook delivery failed", {{"error", recorded.error().message}});
  if (!response) {
    // A URL the guard refuses now fails for good; a network problem is worth another try.
    if (response.error().code == ErrorCode::kPermissionDenied || response.error().code == ErrorCode::kInvalidArgument) {
      return Unexpected(std::move(response).error());
    }
    return Unexpected(ErrorCode::kUnavailable, *error);
  }
  if (error) return Unexpected(ErrorCode::kUpstream, *error);
  return fmt::format(R"({{"status_code":{}}})", *status);
}

}  // namespace chorus::jobs
