#include "services/credential_cache.h"

namespace chorus::services {

CredentialCache::Shard& CredentialCache::ShardFor(const std::string& token_hash) {
  // Token hashes are uniformly random hex: the first digit picks a shard evenly.
  const char c = token_hash.empty() ? '0' : token_hash[0];
  const size_t n = (c >= 'a') ? static_cast<size_t>(c - 'a' + 10) : static_cast<size_t>(c - '0');
  return shards_[n % shards_.size()];
}

std::optional<Caller> CredentialCache::Find(const std::string& token_hash) {
  if (ttl_.count() == 0) return std::nullopt;
  Shard& shard = ShardFor(token_hash);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(token_hash);
  if (it == shard.entries.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    shard.entries.erase(it);
    return std::nullopt;
  }
  return it->second.caller;
}

void CredentialCache::Put(const std::string& token_hash, const Caller& caller,
                          std::optional<Clock::time_point> valid_until) {
  if (ttl_.count() == 0) return;
  auto expires = Clock::now() + ttl_;
  if (valid_until && *valid_until < expires) expires = *valid_until;
  Shard& shard = ShardFor(token_hash);
  std::lock_guard lock(shard.mu);
  if (shard.entries.size() > 50000) shard.entries.clear();  // bounded; a refill costs one query each
  shard.entries[token_hash] = Entry{caller, expires};
}

void CredentialCache::Erase(const std::string& token_hash) {
  Shard& shard = ShardFor(token_hash);
  std::lock_guard lock(shard.mu);
  shard.entries.erase(token_hash);
}

void CredentialCache::EraseUser(const std::string& user_id) {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    std::erase_if(shard.entries, [&](const auto& kv) { return kv.second.caller.user_id == user_id; });
  }
}

}  // namespace chorus::services
