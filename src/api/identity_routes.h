// Routes for accounts and credentials (paths fixed by the accounts issue; clients rely on them):
//   /api/v1/auth/{register,login,refresh,logout,guest}
//   /api/v1/me, /api/v1/me/password, /api/v1/me/settings, /api/v1/me/providers[/{provider}]
//   /api/v1/api-keys[/{id}]
//   /api/v1/admin/users[/{id}]
#pragma once

#include "http/dispatcher.h"
#include "http/router.h"
#include "services/account_service.h"
#include "services/admin_service.h"
#include "services/api_key_service.h"
#include "services/auth_service.h"
#include "services/provider_key_service.h"

namespace chorus::api {

struct IdentityDeps {
  services::AuthService& auth;
  services::AccountService& accounts;
  services::ApiKeyService& api_keys;
  services::ProviderKeyService& providers;
  services::AdminService& admin;
};

Status AddIdentityRoutes(http::Router& router, IdentityDeps deps);

// Resolves `Authorization: Bearer <session token or API key>` for the dispatcher.
class BearerAuthenticator final : public http::Authenticator {
 public:
  explicit BearerAuthenticator(services::AuthService& auth) : auth_(auth) {}
  Task<Result<http::Principal>> Authenticate(const http::Request& request) override;

 private:
  services::AuthService& auth_;
};

// The bearer token of a request, or empty.
std::string_view BearerToken(const http::Request& request);

}  // namespace chorus::api
