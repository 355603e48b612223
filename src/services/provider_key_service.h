// Each user's own provider keys (seed 003 provider_configs; seed 001's encrypted OpenAI and
// ElevenLabs keys). Keys are sealed with the SecretBox before they reach the database and are only
// ever shown by their last four characters. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/secret_box.h"
#include "base/async.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/provider_configs.h"

namespace chorus::services {

struct ProviderKeyWrite {
  std::optional<std::string> api_key;  // the plaintext key, sealed before storing
  std::optional<std::string> base_url;  // "" clears it
  std::optional<bool> is_active;
  std::optional<bool> is_default;
};

class ProviderKeyService {
 public:
  ProviderKeyService(store::AsyncDb& db, const auth::SecretBox& box) : db_(db), box_(box) {}

  Task<Result<std::vector<store::ProviderConfig>>> List(const Caller& caller);
  // Creates or updates the caller's entry for `provider` ([a-z0-9_-], 1-50 characters).
  // kInvalidArgument with param for a bad name, key or URL.
  Task<Result<store::ProviderConfig>> Put(const Caller& caller, std::string provider, ProviderKeyWrite write);
  Task<Status> Delete(const Caller& caller, std::string provider);
  // The plaintext key, for calls made on the user's behalf. kNotFound when none is set.
  Task<Result<std::string>> Reveal(std::string user_id, std::string provider);

  // Re-seals every stored key under `next` (the new master key) in one transaction. Blocking.
  static Result<int> ResealAll(store::Database& db, const auth::SecretBox& current, const auth::SecretBox& next);

  static std::string Context(std::string_view user_id, std::string_view provider);

  // Called after a user's entry changed (caches of it can forget it). Set once, before serving.
  void OnChange(std::function<void(const std::string& user_id, const std::string& provider)> fn) {
    on_change_ = std::move(fn);
  }

 private:
  store::AsyncDb& db_;
  const auth::SecretBox& box_;
  std::function<void(const std::string&, const std::string&)> on_change_;
};

}  // namespace chorus::services
