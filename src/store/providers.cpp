#include "store/providers.h"

#include <fmt/format.h>

#include "base/time.h"

namespace chorus::store {
namespace {

constexpr const char* kProviderColumns =
    "id, name, kind, base_url, credentials_ciphertext, key_id, config, is_active, created_at, updated_at";

constexpr const char* kServiceColumns =
    "id, provider_id, name, upstream_model, service_type, input_price_per_million, output_price_per_million, "
    "weight, config, is_active, created_at, updated_at";

ProviderRow ProviderFromRow(Row r) {
  ProviderRow p;
  p.id = r.Int(0);
  p.name = r.Text(1);
  p.kind = r.Text(2);
  p.base_url = r.Text(3);
  if (!r.IsNull(4)) p.credentials_ciphertext = r.BlobBytes(4);
  p.key_id = r.OptText(5);
  p.config = r.Text(6);
  p.is_active = r.Bool(7);
  p.created_at = r.Text(8);
  p.updated_at = r.Text(9);
  return p;
}

ServiceRow ServiceFromRow(Row r) {
  ServiceRow s;
  s.id = r.Int(0);
  s.provider_id = r.Int(1);
  s.name = r.Text(2);
  s.upstream_model = r.Text(3);
  s.service_type = r.Text(4);
  s.input_price_per_million = r.Double(5);
  s.output_price_per_million = r.Double(6);
  s.weight = r.Int(7);
  s.config = r.Text(8);
  s.is_active = r.Bool(9);
  s.created_at = r.Text(10);
  s.updated_at = r.Text(11);
  return s;
}

Unexpected ProviderNotFound() { return Unexpected(ErrorCode::kNotFound, "Provider not found."); }

}  // namespace

namespace providers {

Result<ProviderRow> Upsert(Connection& conn, const ProviderWrite& w) {
  // Two statement shapes: with the credentials, or keeping the stored ones. updated_at is set by the
  // update only; an insert takes the column defaults.
  const bool credentials = w.credentials_ciphertext || w.key_id;
  const std::string sql = fmt::format(
      "INSERT INTO providers (name, kind, base_url, config, is_active{}) VALUES ($1, $2, $3, $4, $5{}) "
      "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, "
      "config = excluded.config, is_active = excluded.is_active, updated_at = $6{} RETURNING {}",
      credentials ? ", credentials_ciphertext, key_id" : "", credentials ? ", $7, $8" : "",
      credentials ? ", credentials_ciphertext = excluded.credentials_ciphertext, key_id = excluded.key_id" : "",
      kProviderColumns);
  const Value ciphertext = w.credentials_ciphertext ? Value(Blob{*w.credentials_ciphertext}) : Value();
  const Value params[] = {w.name, w.kind, w.base_url, w.config, w.is_active, NowTimestamp(), ciphertext, w.key_id};
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Execute(sql, std::span<const Value>(params, credentials ? 8 : 6)));
  return ProviderFromRow(rows[0]);
}

Result<std::vector<ProviderRow>> List(Connection& conn) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows,
                          conn.Exec(fmt::format("SELECT {} FROM providers ORDER BY name", kProviderColumns)));
  std::vector<ProviderRow> out;
  for (Row r : rows) out.push_back(ProviderFromRow(r));
  return out;
}

Result<ProviderRow> Get(Connection& conn, std::string_view name) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM providers WHERE name = $1", kProviderColumns), name));
  if (rows.empty()) return ProviderNotFound();
  return ProviderFromRow(rows[0]);
}

Status Delete(Connection& conn, std::string_view name) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("DELETE FROM providers WHERE name = $1", name));
  if (rows.affected() == 0) return ProviderNotFound();
  return Ok();
}

}  // namespace providers

namespace services {

Result<ServiceRow> Upsert(Connection& conn, int64_t provider_id, const ServiceWrite& w) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("INSERT INTO services (provider_id, name, upstream_model, service_type, "
                            "input_price_per_million, output_price_per_million, weight, config, is_active) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                            "ON CONFLICT (provider_id, name) DO UPDATE SET upstream_model = excluded.upstream_model, "
                            "service_type = excluded.service_type, "
                            "input_price_per_million = excluded.input_price_per_million, "
                            "output_price_per_million = excluded.output_price_per_million, weight = excluded.weight, "
                            "config = excluded.config, is_active = excluded.is_active, updated_at = $10 "
                            "RETURNING {}",
                            kServiceColumns),
                provider_id, w.name, w.upstream_model, w.service_type, w.input_price_per_million,
                w.output_price_per_million, w.weight, w.config, w.is_active, NowTimestamp()));
  return ServiceFromRow(rows[0]);
}

Result<std::vector<ServiceRow>> List(Connection& conn) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM services ORDER BY provider_id, name", kServiceColumns)));
  std::vector<ServiceRow> out;
  for (Row r : rows) out.push_back(ServiceFromRow(r));
  return out;
}

Status Delete(Connection& conn, int64_t provider_id, std::string_view name) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows,
                          conn.Exec("DELETE FROM services WHERE provider_id = $1 AND name = $2", provider_id, name));
  if (rows.affected() == 0) return Unexpected(ErrorCode::kNotFound, "Service not found.");
  return Ok();
}

}  // namespace services
}  // namespace chorus::store
