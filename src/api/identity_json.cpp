#include "api/identity_json.h"

#include <boost/json/parse.hpp>

#include "api/json.h"

namespace chorus::api {

namespace json = boost::json;

json::object UserJson(const store::User& u) {
  json::object o;
  o["id"] = u.id;
  o["object"] = "user";
  o["email"] = OrNull(u.email);
  o["username"] = OrNull(u.username);
  o["first_name"] = OrNull(u.first_name);
  o["last_name"] = OrNull(u.last_name);
  o["avatar"] = OrNull(u.avatar);
  o["is_active"] = u.is_active;
  o["is_verified"] = u.is_verified;
  o["account_type"] = u.account_type;
  o["access_role"] = u.access_role;
  o["credits"] = u.credits;
  o["metadata"] = StoredJson(u.metadata);
  o["last_login_at"] = OrNull(u.last_login_at);
  o["last_seen_at"] = OrNull(u.last_seen_at);
  o["created_at"] = u.created_at;
  o["updated_at"] = u.updated_at;
  return o;
}

json::object TokensJson(const services::Tokens& t) {
  json::object o;
  o["access_token"] = t.access_token;
  o["refresh_token"] = t.refresh_token;
  o["token_type"] = "bearer";
  o["expires_in"] = t.expires_in;
  o["user"] = UserJson(t.user);
  return o;
}

json::object ApiKeyJson(const store::ApiKey& k) {
  json::object o;
  o["id"] = k.id;
  o["object"] = "api_key";
  o["name"] = k.name;
  o["prefix"] = k.key_prefix;
  json::array scopes;
  for (const auto& s : k.scopes) scopes.emplace_back(s);
  o["scopes"] = std::move(scopes);
  o["expires_at"] = OrNull(k.expires_at);
  o["last_used_at"] = OrNull(k.last_used_at);
  o["revoked_at"] = OrNull(k.revoked_at);
  o["created_at"] = k.created_at;
  return o;
}

json::object SettingsJson(const store::UserSettings& s) {
  json::object o;
  o["object"] = "settings";
  o["preferred_language"] = s.preferred_language;
  o["summary_quality"] = s.summary_quality;
  o["settings_json"] = StoredJson(s.settings_json);
  o["updated_at"] = OrNull(s.updated_at);
  return o;
}

json::object ProviderJson(const store::ProviderConfig& p) {
  json::object o;
  o["object"] = "provider_config";
  o["provider"] = p.provider;
  o["has_api_key"] = p.api_key_ciphertext.has_value();
  o["api_key_last4"] = OrNull(p.api_key_last4);
  o["base_url"] = OrNull(p.base_url);
  o["is_active"] = p.is_active;
  o["is_default"] = p.is_default;
  o["created_at"] = p.created_at;
  o["updated_at"] = p.updated_at;
  return o;
}

}  // namespace chorus::api
