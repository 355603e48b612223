#include "services/user_provider_keys.h"

#include "services/provider_key_service.h"
#include "store/provider_configs.h"

namespace chorus::services {
namespace {

std::string CacheKey(const std::string& user_id, const std::string& provider) { return user_id + '\n' + provider; }

// The endpoint of a user's base URL, connecting to the address the guard checked.
Result<http::client::Endpoint> GuardedEndpoint(const http::client::UrlGuard& guard, const std::string& url) {
  CHORUS_ASSIGN_OR_RETURN(http::client::Target target, guard.Check(url));
  CHORUS_ASSIGN_OR_RETURN(http::client::Endpoint endpoint, http::client::ParseBaseUrl(url));
  endpoint.address = target.address;
  return endpoint;
}

}  // namespace

Task<Result<UserProviderKeys::Entry>> UserProviderKeys::Load(const std::string& user_id, const std::string& provider) {
  auto row = co_await db_.Read([&](store::Connection& c) { return store::provider_configs::Get(c, user_id, provider); });
  Entry entry;
  entry.expires = std::chrono::steady_clock::now() + ttl_;
  if (!row) {
    if (row.error().code != ErrorCode::kNotFound) co_return Unexpected(std::move(row).error());
    co_return entry;
  }
  if (!row->is_active || !row->api_key_ciphertext || !row->key_id) co_return entry;
  auto key = box_.Open(*row->key_id, *row->api_key_ciphertext, ProviderKeyService::Context(user_id, provider));
  if (!key) co_return Unexpected(std::move(key).error());
  entry.api_key = std::move(*key);
  if (row->base_url && !row->base_url->empty()) entry.base_url = *row->base_url;
  co_return entry;
}

Task<Result<std::optional<llm::UserKey>>> UserProviderKeys::Find(const std::string& user_id,
                                                                const std::string& provider, bool trusted) {
  const std::string key = CacheKey(user_id, provider);
  std::optional<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > std::chrono::steady_clock::now()) entry = it->second;
  }
  if (!entry) {
    auto loaded = co_await Load(user_id, provider);
    if (!loaded) co_return Unexpected(std::move(loaded).error());
    entry = std::move(*loaded);
    std::lock_guard lock(mu_);
    if (cache_.size() >= 100000) {  // bounded: forget expired entries first, then everything
      std::erase_if(cache_, [now = std::chrono::steady_clock::now()](const auto& kv) { return kv.second.expires <= now; });
      if (cache_.size() >= 100000) cache_.clear();
    }
    cache_[key] = *entry;
  }
  if (!entry->api_key) co_return std::optional<llm::UserKey>();
  llm::UserKey user_key{.api_key = *entry->api_key};
  if (entry->base_url) {
    const std::string url = *entry->base_url;
    Result<http::client::Endpoint> endpoint = http::client::ParseBaseUrl(url);
    if (!trusted) {
      // The guard resolves the name: blocking work, off the network thread. Resolved per call, so a
      // DNS answer that turns private later is still refused.
      auto check = [this, url] { return GuardedEndpoint(guard_, url); };
      endpoint = co_await blocking_.Run(std::move(check));
    }
    if (!endpoint) co_return Unexpected(std::move(endpoint).error());
    user_key.endpoint = std::move(*endpoint);
  }
  co_return std::optional<llm::UserKey>(std::move(user_key));
}

void UserProviderKeys::Invalidate(const std::string& user_id, const std::string& provider) {
  std::lock_guard lock(mu_);
  cache_.erase(CacheKey(user_id, provider));
}

}  // namespace chorus::services
