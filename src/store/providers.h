// providers and services (seed 002), managed by administrators: the upstream APIs Chorus calls
// (kind "openai" for any OpenAI-compatible API, or "anthropic") and the services — the model names
// users ask for — that route to them, with a price per million tokens and a routing weight.
//
// A provider's API key is stored sealed (auth::SecretBox); this layer only moves the ciphertext and
// the id of the key that sealed it. Values the schema refuses (an unknown kind or service type, a
// base_url that is not http(s), a ciphertext without its key id, a weight <= 0, a negative price,
// bad JSON) come back as kInvalidArgument from the constraint.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace chorus::store {

struct ProviderRow {
  int64_t id = 0;
  std::string name;
  std::string kind;  // openai | anthropic
  std::string base_url;
  std::optional<std::string> credentials_ciphertext;  // bytes
  std::optional<std::string> key_id;
  std::string config = "{}";
  bool is_active = true;
  std::string created_at;
  std::string updated_at;
};

struct ProviderWrite {
  std::string name;  // 1-100 characters; the key of the upsert
  std::string kind;
  std::string base_url;
  // Both or neither. Unset keeps the stored key on update (it is never read back to the admin).
  std::optional<std::string> credentials_ciphertext;
  std::optional<std::string> key_id;
  std::string config = "{}";
  bool is_active = true;
};

struct ServiceRow {
  int64_t id = 0;
  int64_t provider_id = 0;
  std::string name;
  std::string upstream_model;
  std::string service_type = "llm";  // llm | asr | tts | image | video
  double input_price_per_million = 0;
  double output_price_per_million = 0;
  int64_t weight = 1;
  std::string config = "{}";
  bool is_active = true;
  std::string created_at;
  std::string updated_at;
};

struct ServiceWrite {
  std::string name;  // 1-100 characters; unique per provider, the key of the upsert
  std::string upstream_model;
  std::string service_type = "llm";
  double input_price_per_million = 0;
  double output_price_per_million = 0;
  int64_t weight = 1;
  std::string config = "{}";
  bool is_active = true;
};

namespace providers {
// Inserts the provider, or updates the one with that name (every field but the unset credentials).
Result<ProviderRow> Upsert(Connection& conn, const ProviderWrite& write);
// Every provider, by name.
Result<std::vector<ProviderRow>> List(Connection& conn);
// kNotFound.
Result<ProviderRow> Get(Connection& conn, std::string_view name);
// Deletes the provider and, by cascade, its services. kNotFound.
Status Delete(Connection& conn, std::string_view name);
}  // namespace providers

namespace services {
// Inserts the service, or updates the provider's service of that name (every field).
// kFailedPrecondition when the provider does not exist.
Result<ServiceRow> Upsert(Connection& conn, int64_t provider_id, const ServiceWrite& write);
// Every service, by provider id and name.
Result<std::vector<ServiceRow>> List(Connection& conn);
// kNotFound.
Status Delete(Connection& conn, int64_t provider_id, std::string_view name);
}  // namespace services

}  // namespace chorus::store
