// The gateway's view of each user's own provider keys (seed 003 provider_configs): when a caller
// stored an active key for a provider, calls routed there use it (and their base URL, which must
// pass the outbound URL guard unless they are an administrator). Answers are cached per user and
// provider for `ttl`, misses included, so the request path reads the database at most once per
// ttl; this node forgets an entry at once when the user changes it (Invalidate).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/secret_box.h"
#include "http/client/url_guard.h"
#include "llm/gateway.h"
#include "store/async_db.h"

namespace chorus::services {

class UserProviderKeys : public llm::UserKeys {
 public:
  UserProviderKeys(store::AsyncDb& db, BlockingPool& blocking, const auth::SecretBox& box,
                   const http::client::UrlGuard& guard, std::chrono::milliseconds ttl)
      : db_(db), blocking_(blocking), box_(box), guard_(guard), ttl_(ttl) {}

  Task<Result<std::optional<llm::UserKey>>> Find(const std::string& user_id, const std::string& provider,
                                                 bool trusted) override;
  void Invalidate(const std::string& user_id, const std::string& provider);

 private:
  struct Entry {
    std::optional<std::string> api_key;
    std::optional<std::string> base_url;
    std::chrono::steady_clock::time_point expires;
  };
  Task<Result<Entry>> Load(const std::string& user_id, const std::string& provider);

  store::AsyncDb& db_;
  BlockingPool& blocking_;
  const auth::SecretBox& box_;
  const http::client::UrlGuard& guard_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // guarded by mu_; key: user id '\n' provider
};

}  // namespace chorus::services
