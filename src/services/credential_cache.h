// Recently checked bearer credentials, by a keyed digest of the token (auth::TokenCacheKey), so
// that most requests authenticate without a database read (a few microseconds instead of a round
// trip). Entries live for the configured TTL and never past the credential's own expiry;
// revocation on this node removes them at once.
// Thread-safe; sharded to keep lock contention off the hot path.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/digest.h"
#include "services/caller.h"

namespace chorus::services {

class CredentialCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CredentialCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

  std::optional<Caller> Find(const MemoryDigest& key);
  // `valid_until`: when the credential itself expires (nullopt: never).
  // `token_hash`: the credential's hash as the database holds it (auth::TokenHash), for Erase.
  void Put(const MemoryDigest& key, const std::string& token_hash, const Caller& caller,
           std::optional<Clock::time_point> valid_until);
  // Drops the entry of a credential by its database hash (a revoked API key): a scan, revocation
  // being rare next to lookups.
  void Erase(const std::string& token_hash);
  // Drops every entry of a user (logout everywhere, password change, disable, delete).
  void EraseUser(const std::string& user_id);

 private:
  struct Entry {
    std::string token_hash;
    Caller caller;
    Clock::time_point expires;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<MemoryDigest, Entry, MemoryDigestHash> entries;  // guarded by mu
  };
  Shard& ShardFor(const MemoryDigest& key);

  const std::chrono::milliseconds ttl_;
  std::array<Shard, 16> shards_;
};

}  // namespace chorus::services
