// The model registry: which names callers may use, and the deployments (provider + upstream model +
// price + weight) that serve each. Built from the configuration's [providers.*] tables and the
// providers administrators manage in the database; immutable once built, swapped whole on reload.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/client/upstream.h"

namespace chorus::llm {

enum class ProviderKind { kOpenAi, kAnthropic };
std::string_view KindName(ProviderKind kind);  // "openai" | "anthropic"
Result<ProviderKind> ParseKind(std::string_view name);

struct ModelSpec {
  std::string name;            // what callers ask for
  std::string upstream_model;  // what the provider calls it
  double input_price_per_million = 0;
  double output_price_per_million = 0;
  int weight = 1;
};

struct ProviderSpec {
  std::string name;
  ProviderKind kind = ProviderKind::kOpenAi;
  std::string base_url;
  std::string api_key;  // plaintext, in memory only
  std::vector<ModelSpec> models;
  bool from_config = false;  // declared in the file; the admin API cannot change it
};

struct Deployment {
  std::string provider;
  ProviderKind kind = ProviderKind::kOpenAi;
  http::client::Endpoint endpoint;
  std::string api_key;
  std::string upstream_model;
  double input_price_per_million = 0;
  double output_price_per_million = 0;
  int weight = 1;

  double Cost(int64_t input_tokens, int64_t output_tokens) const {
    return (static_cast<double>(input_tokens) * input_price_per_million +
            static_cast<double>(output_tokens) * output_price_per_million) / 1e6;
  }
};

struct ModelRoute {
  std::string name;
  std::vector<Deployment> deployments;
  int total_weight = 0;
};

class Registry {
 public:
  // kInvalidArgument for a bad base URL or two providers with one name.
  static Result<std::shared_ptr<const Registry>> Build(const std::vector<ProviderSpec>& providers);

  // nullptr for an unknown model.
  const ModelRoute* Find(std::string_view model) const;
  const std::vector<ModelRoute>& models() const { return models_; }
  const std::vector<ProviderSpec>& providers() const { return providers_; }
  const ProviderSpec* FindProvider(std::string_view name) const;

  // The order in which to try a model's deployments: the first drawn by weight with `random`, the
  // rest by descending weight.
  static std::vector<const Deployment*> AttemptOrder(const ModelRoute& route, uint64_t random);

 private:
  std::vector<ModelRoute> models_;  // sorted by name
  std::vector<ProviderSpec> providers_;
};

// The current registry, swapped atomically on reload; readers keep the one they loaded.
class RegistryHolder {
 public:
  explicit RegistryHolder(std::shared_ptr<const Registry> initial) : current_(std::move(initial)) {}
  std::shared_ptr<const Registry> Get() const { return current_.load(std::memory_order_acquire); }
  void Set(std::shared_ptr<const Registry> next) { current_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const Registry>> current_;
};

}  // namespace chorus::llm
