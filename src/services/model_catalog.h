// The models the gateway routes (seed 002 providers and services): the configuration file's
// [providers.*] tables plus the providers administrators manage through the API, which live in the
// database with their keys sealed. Builds the llm::Registry from both and swaps it in on every
// change here and every `reload_interval` (changes made through other nodes).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/secret_box.h"
#include "llm/registry.h"
#include "services/caller.h"
#include "store/async_db.h"

namespace chorus::services {

struct ModelInput {
  std::string name;
  std::string upstream_model;  // empty: the same as name
  double input_price_per_million = 0;
  double output_price_per_million = 0;
  int weight = 1;
};

struct ProviderInput {
  std::string kind = "openai";
  std::string base_url;
  std::optional<std::string> api_key;  // unset keeps the stored key
  std::vector<ModelInput> models;
  bool is_active = true;
};

struct ProviderView {
  std::string name;
  std::string kind;
  std::string base_url;
  bool has_api_key = false;
  bool is_active = true;
  std::string source;  // "config" | "database"
  std::vector<ModelInput> models;
};

class ModelCatalog {
 public:
  ModelCatalog(store::AsyncDb& db, const auth::SecretBox& box, std::vector<llm::ProviderSpec> configured);
  ~ModelCatalog();

  const llm::RegistryHolder& registry() const { return holder_; }

  // Reads the database's providers and swaps in a new registry. Blocking.
  Status Reload();
  // Reloads every `interval` on a thread of its own until destroyed.
  void StartReloading(std::chrono::milliseconds interval);

  // Administrators only (kPermissionDenied otherwise).
  Task<Result<std::vector<ProviderView>>> List(const Caller& caller);
  // Creates or replaces a database provider and its models. kConflict for a name the configuration
  // file declares; kInvalidArgument with param for bad fields.
  Task<Result<ProviderView>> Put(const Caller& caller, std::string name, ProviderInput input);
  Task<Status> Delete(const Caller& caller, std::string name);

  static std::string SealContext(std::string_view provider) { return "providers:" + std::string(provider); }

 private:
  Result<std::vector<llm::ProviderSpec>> StoredProviders(store::Connection& conn) const;
  bool Configured(std::string_view name) const;

  store::AsyncDb& db_;
  const auth::SecretBox& box_;
  const std::vector<llm::ProviderSpec> configured_;
  llm::RegistryHolder holder_;
  std::mutex reload_mu_;  // one rebuild at a time
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread reloader_;
};

}  // namespace chorus::services
