#include "services/credential_cache.h"

namespace chorus::services {

CredentialCache::Shard& CredentialCache::ShardFor(const MemoryDigest& key) {
  // Keys are digests, uniformly random: the last byte picks a shard evenly (the first ones are the
  // map's hash).
  return shards_[key.back() % shards_.size()];
}

std::optional<Caller> CredentialCache::Find(const MemoryDigest& key) {
  if (ttl_.count() == 0) return std::nullopt;
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    shard.entries.erase(it);
    return std::nullopt;
  }
  return it->second.caller;
}

void CredentialCache::Put(const MemoryDigest& key, const std::string& token_hash, const Caller& caller,
                          std::optional<Clock::time_point> valid_until) {
  if (ttl_.count() == 0) return;
  auto expires = Clock::now() + ttl_;
  if (valid_until && *valid_until < expires) expires = *valid_until;
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  if (shard.entries.size() > 50000) shard.entries.clear();  // bounded; a refill costs one query each
  shard.entries[key] = Entry{token_hash, caller, expires};
}

void CredentialCache::Erase(const std::string& token_hash) {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    std::erase_if(shard.entries, [&](const auto& kv) { return kv.second.token_hash == token_hash; });
  }
}

void CredentialCache::EraseUser(const std::string& user_id) {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    std::erase_if(shard.entries, [&](const auto& kv) { return kv.second.caller.user_id == user_id; });
  }
}

}  // namespace chorus::services
