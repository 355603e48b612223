// JSON shapes of identity resources. Password hashes, token hashes, key hashes and ciphertext have
// no field here: they cannot leak through a response by accident.
#pragma once

#include <boost/json/object.hpp>

#include "services/api_key_service.h"
#include "services/auth_service.h"
#include "store/provider_configs.h"
#include "store/user_settings.h"
#include "store/users.h"

namespace chorus::api {

boost::json::object UserJson(const store::User& user);
boost::json::object TokensJson(const services::Tokens& tokens);
boost::json::object ApiKeyJson(const store::ApiKey& key);
boost::json::object SettingsJson(const store::UserSettings& settings);
boost::json::object ProviderJson(const store::ProviderConfig& config);

}  // namespace chorus::api
