// Webhook secrets (one per user, sealed) and the record of every delivery attempt.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace chorus::store {

struct SealedSecret {
  std::string ciphertext;
  std::string key_id;
  std::string created_at;
};

struct WebhookDelivery {
  std::string id;
  std::string job_id;
  std::string url;
  std::string event;
  int64_t attempt = 0;
  std::optional<int64_t> status_code;
  std::optional<std::string> error;
  std::optional<int64_t> duration_ms;
  std::string created_at;
};

namespace webhooks {
// kNotFound when the user has no secret yet.
Result<SealedSecret> GetSecret(Connection& conn, std::string_view user_id);
// Stores the secret unless the user already has one, and returns the one that is stored (two
// concurrent first deliveries agree on one secret).
Result<SealedSecret> EnsureSecret(Connection& conn, std::string_view user_id, std::string_view ciphertext,
                                  std::string_view key_id);
// Creates or replaces the user's secret.
Result<SealedSecret> PutSecret(Connection& conn, std::string_view user_id, std::string_view ciphertext,
                               std::string_view key_id);
Status RecordDelivery(Connection& conn, std::string_view job_id, std::optional<std::string_view> user_id,
                      std::string_view url, std::string_view event, int64_t attempt,
                      std::optional<int64_t> status_code, std::optional<std::string_view> error, int64_t duration_ms);
Result<std::vector<WebhookDelivery>> DeliveriesForJob(Connection& conn, std::string_view job_id);
}  // namespace webhooks

}  // namespace chorus::store
