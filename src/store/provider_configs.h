// provider_configs (seed 003, holding seed 001's encrypted provider keys): each user's own key and
// settings per upstream provider. The API key is stored sealed (auth::SecretBox); this layer only
// moves the ciphertext and its key id.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"

namespace chorus::store {

struct ProviderConfig {
  std::string id;
  std::string user_id;
  std::string provider;
  std::string config = "{}";
  std::optional<std::string> api_key_ciphertext;
  std::optional<std::string> key_id;
  std::optional<std::string> api_key_last4;
  std::optional<std::string> base_url;
  bool is_active = true;
  bool is_default = false;
  std::string created_at;
  std::string updated_at;
};

struct ProviderConfigWrite {
  std::optional<std::string> api_key_ciphertext;  // with key_id and api_key_last4, or all unset
  std::optional<std::string> key_id;
  std::optional<std::string> api_key_last4;
  std::optional<std::string> base_url;
  std::optional<std::string> config;
  std::optional<bool> is_active;
  std::optional<bool> is_default;
};

namespace provider_configs {
// Creates or updates the user's row for `provider`; unset fields keep their value (or default).
// Making one provider the default clears the flag on the user's others.
Result<ProviderConfig> Upsert(Connection& conn, std::string_view user_id, std::string_view provider,
                              const ProviderConfigWrite& write);
Result<std::vector<ProviderConfig>> List(Connection& conn, std::string_view user_id);
// kNotFound when the user has no row for the provider.
Result<ProviderConfig> Get(Connection& conn, std::string_view user_id, std::string_view provider);
Status Delete(Connection& conn, std::string_view user_id, std::string_view provider);

// For master-key rotation: every sealed key, and the rewrite of one.
Result<std::vector<ProviderConfig>> ListSealed(Connection& conn);
Status Reseal(Connection& conn, std::string_view id, std::string_view ciphertext, std::string_view key_id);
}  // namespace provider_configs

}  // namespace chorus::store
