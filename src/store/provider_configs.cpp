#include "store/provider_configs.h"

#include <fmt/format.h>

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"

namespace chorus::store::provider_configs {
namespace {

constexpr const char* kColumns =
    "id, user_id, provider, config, api_key_ciphertext, key_id, api_key_last4, base_url, is_active, is_default, "
    "created_at, updated_at";

ProviderConfig FromRow(Row r) {
  ProviderConfig p;
  p.id = r.Text(0);
  p.user_id = r.Text(1);
  p.provider = r.Text(2);
  p.config = r.Text(3);
  if (!r.IsNull(4)) p.api_key_ciphertext = r.BlobBytes(4);
  p.key_id = r.OptText(5);
  p.api_key_last4 = r.OptText(6);
  p.base_url = r.OptText(7);
  p.is_active = r.Bool(8);
  p.is_default = r.Bool(9);
  p.created_at = r.Text(10);
  p.updated_at = r.Text(11);
  return p;
}

Unexpected NotFound() { return Unexpected(ErrorCode::kNotFound, "Provider configuration not found."); }

}  // namespace

Result<ProviderConfig> Upsert(Connection& conn, std::string_view user_id, std::string_view provider,
                              const ProviderConfigWrite& w) {
  if (w.is_default.value_or(false)) {
    CHORUS_TRY(conn.Exec("UPDATE provider_configs SET is_default = $1 WHERE user_id = $2 AND provider <> $3", false,
                         user_id, provider));
  }
  CHORUS_TRY(conn.Exec("INSERT INTO provider_configs (id, user_id, provider) VALUES ($1, $2, $3) "
                       "ON CONFLICT (user_id, provider) DO NOTHING",
                       NewUuidV7(), user_id, provider));
  Query q("UPDATE provider_configs SET ");
  q.Add("updated_at = ?", {NowTimestamp()});
  if (w.api_key_ciphertext) {
    q.Add(", api_key_ciphertext = ?, key_id = ?, api_key_last4 = ?",
          {Blob{*w.api_key_ciphertext}, w.key_id, w.api_key_last4});
  }
  if (w.base_url) q.Add(", base_url = ?", {w.base_url->empty() ? Value() : Value(*w.base_url)});
  if (w.config) q.Add(", config = ?", {*w.config});
  if (w.is_active) q.Add(", is_active = ?", {*w.is_active});
  if (w.is_default) q.Add(", is_default = ?", {*w.is_default});
  q.Add(" WHERE user_id = ? AND provider = ?", {user_id, provider}).Add(std::string(" RETURNING ") + kColumns);
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  if (rows.empty()) return NotFound();
  return FromRow(rows[0]);
}

Result<std::vector<ProviderConfig>> List(Connection& conn, std::string_view user_id) {
  std::vector<ProviderConfig> out;
  if (!IsUuid(user_id)) return out;
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec(fmt::format("SELECT {} FROM provider_configs WHERE user_id = $1 "
                                                           "ORDER BY provider",
                                                           kColumns),
                                               user_id));
  for (Row r : rows) out.push_back(FromRow(r));
  return out;
}

Result<ProviderConfig> Get(Connection& conn, std::string_view user_id, std::string_view provider) {
  if (!IsUuid(user_id)) return NotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec(fmt::format("SELECT {} FROM provider_configs WHERE user_id = $1 "
                                                           "AND provider = $2",
                                                           kColumns),
                                               user_id, provider));
  if (rows.empty()) return NotFound();
  return FromRow(rows[0]);
}

Status Delete(Connection& conn, std::string_view user_id, std::string_view provider) {
  if (!IsUuid(user_id)) return NotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("DELETE FROM provider_configs WHERE user_id = $1 AND provider = $2",
                                               user_id, provider));
  if (rows.affected() == 0) return NotFound();
  return Ok();
}

Result<std::vector<ProviderConfig>> ListSealed(Connection& conn) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec(fmt::format("SELECT {} FROM provider_configs "
                                                           "WHERE api_key_ciphertext IS NOT NULL ORDER BY id",
                                                           kColumns)));
  std::vector<ProviderConfig> out;
  for (Row r : rows) out.push_back(FromRow(r));
  return out;
}

Status Reseal(Connection& conn, std::string_view id, std::string_view ciphertext, std::string_view key_id) {
  CHORUS_TRY(conn.Exec("UPDATE provider_configs SET api_key_ciphertext = $1, key_id = $2 WHERE id = $3",
                       Blob{std::string(ciphertext)}, key_id, id));
  return Ok();
}

}  // namespace chorus::store::provider_configs
