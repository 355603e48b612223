#include "store/webhooks.h"

#include "base/ids.h"

namespace chorus::store::webhooks {

Result<SealedSecret> GetSecret(Connection& conn, std::string_view user_id) {
  if (!IsUuid(user_id)) return Unexpected(ErrorCode::kNotFound, "No webhook secret.");
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT secret_ciphertext, key_id, created_at FROM webhook_secrets "
                                               "WHERE user_id = $1",
                                               user_id));
  if (rows.empty()) return Unexpected(ErrorCode::kNotFound, "No webhook secret.");
  return SealedSecret{rows[0].BlobBytes(0), rows[0].Text(1), rows[0].Text(2)};
}

Result<SealedSecret> EnsureSecret(Connection& conn, std::string_view user_id, std::string_view ciphertext,
                                  std::string_view key_id) {
  CHORUS_TRY(conn.Exec("INSERT INTO webhook_secrets (user_id, secret_ciphertext, key_id) VALUES ($1, $2, $3) "
                       "ON CONFLICT (user_id) DO NOTHING",
                       user_id, Blob{std::string(ciphertext)}, key_id));
  return GetSecret(conn, user_id);
}

Result<SealedSecret> PutSecret(Connection& conn, std::string_view user_id, std::string_view ciphertext,
                               std::string_view key_id) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec("INSERT INTO webhook_secrets (user_id, secret_ciphertext, key_id) VALUES ($1, $2, $3) "
                           "ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = excluded.secret_ciphertext, "
                           "key_id = excluded.key_id, created_at = excluded.created_at "
                           "RETURNING secret_ciphertext, key_id, created_at",
                           user_id, Blob{std::string(ciphertext)}, key_id));
  return SealedSecret{rows[0].BlobBytes(0), rows[0].Text(1), rows[0].Text(2)};
}

Status RecordDelivery(Connection& conn, std::string_view job_id, std::optional<std::string_view> user_id,
                      std::string_view url, std::string_view event, int64_t attempt,
                      std::optional<int64_t> status_code, std::optional<std::string_view> error, int64_t duration_ms) {
  CHORUS_TRY(conn.Exec("INSERT INTO webhook_deliveries (id, job_id, user_id, url, event, attempt, status_code, error, "
                       "duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                       NewUuidV7(), job_id, user_id, url, event, attempt, status_code, error, duration_ms));
  return Ok();
}

Result<std::vector<WebhookDelivery>> DeliveriesForJob(Connection& conn, std::string_view job_id) {
  std::vector<WebhookDelivery> out;
  if (!IsUuid(job_id)) return out;
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT id, job_id, url, event, attempt, status_code, error, "
                                               "duration_ms, created_at FROM webhook_deliveries WHERE job_id = $1 "
                                               "ORDER BY created_at, id",
                                               job_id));
  for (Row r : rows) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.OptInt(5), r.OptText(6), r.OptInt(7),
                   r.Text(8)});
  }
  return out;
}

}  // namespace chorus::store::webhooks
