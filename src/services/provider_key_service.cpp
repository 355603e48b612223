#include "services/provider_key_service.h"

#include <algorithm>

#include "base/strings.h"
#include "store/transaction.h"

namespace chorus::services {
namespace {

using store::Connection;

Status CheckProviderName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 50 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!ok) return Unexpected(ErrorCode::kInvalidArgument, "Provider names are 1-50 of a-z, 0-9, '_' and '-'.", "provider");
  return Ok();
}

}  // namespace

std::string ProviderKeyService::Context(std::string_view user_id, std::string_view provider) {
  return "provider_configs:" + std::string(user_id) + ":" + std::string(provider);
}

Task<Result<std::vector<store::ProviderConfig>>> ProviderKeyService::List(const Caller& caller) {
  co_return co_await db_.Read([&](Connection& c) { return store::provider_configs::List(c, caller.user_id); });
}

Task<Result<store::ProviderConfig>> ProviderKeyService::Put(const Caller& caller, std::string provider,
                                                            ProviderKeyWrite w) {
  if (auto s = CheckProviderName(provider); !s) co_return Unexpected(std::move(s).error());
  store::ProviderConfigWrite write{.base_url = w.base_url, .is_active = w.is_active, .is_default = w.is_default};
  if (w.api_key) {
    const std::string& key = *w.api_key;
    const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7F; });
    if (key.size() < 8 || key.size() > 4096 || !printable) {
      co_return Unexpected(ErrorCode::kInvalidArgument, "api_key must be 8 to 4096 printable characters.", "api_key");
    }
    auto sealed = box_.Seal(key, Context(caller.user_id, provider));
    if (!sealed) co_return Unexpected(std::move(sealed).error());
    write.api_key_ciphertext = std::move(*sealed);
    write.key_id = box_.current_key_id();
    write.api_key_last4 = key.substr(key.size() - 4);
  }
  if (w.base_url && !w.base_url->empty() && !StartsWith(*w.base_url, "https://") &&
      !StartsWith(*w.base_url, "http://")) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "base_url must be an http(s) URL.", "base_url");
  }
  auto stored = co_await db_.Write(
      [&](Connection& c) { return store::provider_configs::Upsert(c, caller.user_id, provider, write); });
  if (stored && on_change_) on_change_(caller.user_id, provider);
  co_return stored;
}

Task<Status> ProviderKeyService::Delete(const Caller& caller, std::string provider) {
  auto deleted = co_await db_.Write(
      [&](Connection& c) { return store::provider_configs::Delete(c, caller.user_id, provider); });
  if (deleted && on_change_) on_change_(caller.user_id, provider);
  co_return deleted;
}

Task<Result<std::string>> ProviderKeyService::Reveal(std::string user_id, std::string provider) {
  auto row = co_await db_.Read([&](Connection& c) { return store::provider_configs::Get(c, user_id, provider); });
  if (!row) co_return Unexpected(std::move(row).error());
  if (!row->api_key_ciphertext || !row->key_id) co_return Unexpected(ErrorCode::kNotFound, "No key is set.");
  co_return box_.Open(*row->key_id, *row->api_key_ciphertext, Context(user_id, provider));
}

Result<int> ProviderKeyService::ResealAll(store::Database& db, const auth::SecretBox& current,
                                          const auth::SecretBox& next) {
  return store::Transact(db, store::Access::kWrite, [&](Connection& c) -> Result<int> {
    CHORUS_ASSIGN_OR_RETURN(auto rows, store::provider_configs::ListSealed(c));
    int count = 0;
    for (const auto& row : rows) {
      const std::string context = Context(row.user_id, row.provider);
      CHORUS_ASSIGN_OR_RETURN(std::string plain, current.Open(*row.key_id, *row.api_key_ciphertext, context));
      CHORUS_ASSIGN_OR_RETURN(std::string sealed, next.Seal(plain, context));
      CHORUS_TRY(store::provider_configs::Reseal(c, row.id, sealed, next.current_key_id()));
      ++count;
    }
    return count;
  });
}

}  // namespace chorus::services
