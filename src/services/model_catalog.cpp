#include "services/model_catalog.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "base/log.h"
#include "store/providers.h"
#include "store/transaction.h"

namespace chorus::services {
namespace {

Unexpected Bad(std::string message, std::string param) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message), std::move(param));
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 50) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

Status CheckInput(const ProviderInput& in) {
  CHORUS_TRY(llm::ParseKind(in.kind));
  if (auto endpoint = http::client::ParseBaseUrl(in.base_url); !endpoint) return Unexpected(endpoint.error());
  if (in.api_key && (in.api_key->size() < 8 || in.api_key->size() > 4096)) {
    return Bad("api_key must be 8 to 4096 characters", "api_key");
  }
  if (in.models.empty()) return Bad("at least one model is required", "models");
  std::set<std::string> names;
  for (size_t i = 0; i < in.models.size(); ++i) {
    const ModelInput& m = in.models[i];
    const std::string param = fmt::format("models[{}]", i);
    if (m.name.empty() || m.name.size() > 100) return Bad("a model name is 1 to 100 characters", param + ".name");
    if (!names.insert(m.name).second) return Bad("a model is listed twice", param + ".name");
    if (m.upstream_model.size() > 200) return Bad("upstream_model is at most 200 characters", param + ".upstream_model");
    if (!(m.input_price_per_million >= 0 && m.output_price_per_million >= 0)) {
      return Bad("prices cannot be negative", param);
    }
    if (m.weight < 1 || m.weight > 1000) return Bad("weight is 1 to 1000", param + ".weight");
  }
  return Ok();
}

ModelInput FromSpec(const llm::ModelSpec& m) {
  return ModelInput{m.name, m.upstream_model, m.input_price_per_million, m.output_price_per_million, m.weight};
}

}  // namespace

ModelCatalog::ModelCatalog(store::AsyncDb& db, const auth::SecretBox& box, std::vector<llm::ProviderSpec> configured)
    : db_(db), box_(box), configured_(std::move(configured)), holder_(nullptr) {
  auto initial = llm::Registry::Build(configured_);
  holder_.Set(initial ? *initial : *llm::Registry::Build({}));
}

ModelCatalog::~ModelCatalog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (reloader_.joinable()) reloader_.join();
}

bool ModelCatalog::Configured(std::string_view name) const {
  for (const auto& p : configured_) {
    if (p.name == name) return true;
  }
  return false;
}

Result<std::vector<llm::ProviderSpec>> ModelCatalog::StoredProviders(store::Connection& conn) const {
  CHORUS_ASSIGN_OR_RETURN(auto providers, store::providers::List(conn));
  CHORUS_ASSIGN_OR_RETURN(auto services, store::services::List(conn));
  std::map<int64_t, std::vector<llm::ModelSpec>> models;
  for (const auto& s : services) {
    if (!s.is_active || s.service_type != "llm") continue;
    models[s.provider_id].push_back(llm::ModelSpec{s.name, s.upstream_model, s.input_price_per_million,
                                                   s.output_price_per_million, static_cast<int>(s.weight)});
  }
  std::vector<llm::ProviderSpec> specs;
  for (const auto& p : providers) {
    if (!p.is_active || Configured(p.name)) continue;
    auto kind = llm::ParseKind(p.kind);
    if (!kind) continue;
    llm::ProviderSpec spec{.name = p.name, .kind = *kind, .base_url = p.base_url, .models = models[p.id]};
    if (p.credentials_ciphertext && p.key_id) {
      CHORUS_ASSIGN_OR_RETURN(spec.api_key, box_.Open(*p.key_id, *p.credentials_ciphertext, SealContext(p.name)));
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

Status ModelCatalog::Reload() {
  std::lock_guard rebuilding(reload_mu_);
  auto stored = store::Transact(db_.database(), store::Access::kRead,
                                [&](store::Connection& c) { return StoredProviders(c); });
  if (!stored) return Unexpected(std::move(stored).error());
  std::vector<llm::ProviderSpec> all = configured_;
  all.insert(all.end(), std::make_move_iterator(stored->begin()), std::make_move_iterator(stored->end()));
  CHORUS_ASSIGN_OR_RETURN(auto registry, llm::Registry::Build(all));
  holder_.Set(std::move(registry));
  return Ok();
}

void ModelCatalog::StartReloading(std::chrono::milliseconds interval) {
  reloader_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      if (auto done = Reload(); !done) log::Warn("providers not reloaded", {{"error", done.error().message}});
      lock.lock();
    }
  });
}

Task<Result<std::vector<ProviderView>>> ModelCatalog::List(const Caller& caller) {
  if (!caller.is_admin()) co_return Unexpected(ErrorCode::kPermissionDenied, "Administrators only.");
  std::vector<ProviderView> views;
  for (const auto& p : configured_) {
    ProviderView v{.name = p.name, .kind = std::string(llm::KindName(p.kind)), .base_url = p.base_url,
                   .has_api_key = !p.api_key.empty(), .source = "config"};
    for (const auto& m : p.models) v.models.push_back(FromSpec(m));
    views.push_back(std::move(v));
  }
  auto stored = co_await db_.Read([&](store::Connection& c) -> Result<std::vector<ProviderView>> {
    CHORUS_ASSIGN_OR_RETURN(auto providers, store::providers::List(c));
    CHORUS_ASSIGN_OR_RETURN(auto services, store::services::List(c));
    std::vector<ProviderView> out;
    for (const auto& p : providers) {
      ProviderView v{.name = p.name, .kind = p.kind, .base_url = p.base_url,
                     .has_api_key = p.credentials_ciphertext.has_value(), .is_active = p.is_active,
                     .source = "database"};
      for (const auto& s : services) {
        if (s.provider_id != p.id) continue;
        v.models.push_back(ModelInput{s.name, s.upstream_model, s.input_price_per_million,
                                      s.output_price_per_million, static_cast<int>(s.weight)});
      }
      out.push_back(std::move(v));
    }
    return out;
  });
  if (!stored) co_return Unexpected(std::move(stored).error());
  views.insert(views.end(), std::make_move_iterator(stored->begin()), std::make_move_iterator(stored->end()));
  co_return views;
}

Task<Result<ProviderView>> ModelCatalog::Put(const Caller& caller, std::string name, ProviderInput input) {
  if (!caller.is_admin()) co_return Unexpected(ErrorCode::kPermissionDenied, "Administrators only.");
  if (!ValidName(name)) co_return Bad("a provider name is 1 to 50 of [a-z0-9_-]", "name");
  if (Configured(name)) {
    co_return Unexpected(ErrorCode::kConflict, "This provider is declared in the configuration file.", "name");
  }
  for (auto& m : input.models) {
    if (m.upstream_model.empty()) m.upstream_model = m.name;
  }
  if (auto valid = CheckInput(input); !valid) co_return Unexpected(std::move(valid).error());
  store::ProviderWrite write{.name = name, .kind = input.kind, .base_url = input.base_url, .is_active = input.is_active};
  if (input.api_key) {
    auto sealed = box_.Seal(*input.api_key, SealContext(name));
    if (!sealed) co_return Unexpected(std::move(sealed).error());
    write.credentials_ciphertext = std::move(*sealed);
    write.key_id = box_.current_key_id();
  }
  auto stored = co_await db_.Write([&](store::Connection& c) -> Result<store::ProviderRow> {
    CHORUS_ASSIGN_OR_RETURN(auto row, store::providers::Upsert(c, write));
    CHORUS_ASSIGN_OR_RETURN(auto services, store::services::List(c));
    std::set<std::string, std::less<>> keep;
    for (const auto& m : input.models) {
      keep.insert(m.name);
      CHORUS_TRY(store::services::Upsert(c, row.id, {.name = m.name,
                                                     .upstream_model = m.upstream_model,
                                                     .input_price_per_million = m.input_price_per_million,
                                                     .output_price_per_million = m.output_price_per_million,
                                                     .weight = m.weight}));
    }
    for (const auto& s : services) {
      if (s.provider_id == row.id && !keep.contains(s.name)) CHORUS_TRY(store::services::Delete(c, row.id, s.name));
    }
    return row;
  });
  if (!stored) co_return Unexpected(std::move(stored).error());
  auto reload = [this] { return Reload(); };
  if (auto reloaded = co_await db_.pool().Run(std::move(reload)); !reloaded) co_return Unexpected(reloaded.error());
  co_return ProviderView{.name = stored->name, .kind = stored->kind, .base_url = stored->base_url,
                         .has_api_key = stored->credentials_ciphertext.has_value(), .is_active = stored->is_active,
                         .source = "database", .models = std::move(input.models)};
}

Task<Status> ModelCatalog::Delete(const Caller& caller, std::string name) {
  if (!caller.is_admin()) co_return Unexpected(ErrorCode::kPermissionDenied, "Administrators only.");
  if (Configured(name)) {
    co_return Unexpected(ErrorCode::kConflict, "This provider is declared in the configuration file.", "name");
  }
  auto deleted = co_await db_.Write([&](store::Connection& c) { return store::providers::Delete(c, name); });
  if (!deleted) co_return deleted;
  auto reload = [this] { return Reload(); };
  co_return co_await db_.pool().Run(std::move(reload));
}

}  // namespace chorus::services
