#include "api/identity_routes.h"

namespace chorus::api {

Status AddAuthRoutes(http::Router& router, services::AuthService& auth);
Status AddMeRoutes(http::Router& router, const IdentityDeps& deps);
Status AddApiKeyRoutes(http::Router& router, services::ApiKeyService& keys);
Status AddAdminRoutes(http::Router& router, services::AdminService& admin);

Status AddIdentityRoutes(http::Router& router, IdentityDeps deps) {
  CHORUS_TRY(AddAuthRoutes(router, deps.auth));
  CHORUS_TRY(AddMeRoutes(router, deps));
  CHORUS_TRY(AddApiKeyRoutes(router, deps.api_keys));
  CHORUS_TRY(AddAdminRoutes(router, deps.admin));
  return Ok();
}

}  // namespace chorus::api
