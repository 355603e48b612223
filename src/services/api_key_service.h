// The caller's API keys: created with a secret shown once, listed without it, revoked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/async.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/credentials.h"

namespace chorus::services {

class AuthService;

struct NewApiKeyRequest {
  std::string name;
  std::vector<std::string> scopes = {"all"};  // all | read | inference | admin
  std::optional<std::string> expires_at;      // a future timestamp, or none
};

struct CreatedApiKey {
  std::string key;  // the secret: returned once, never stored
  store::ApiKey record;
};

class ApiKeyService {
 public:
  ApiKeyService(store::AsyncDb& db, AuthService& auth) : db_(db), auth_(auth) {}

  // kInvalidArgument: empty or long name, unknown or duplicate scope, past expiry; kPermissionDenied:
  // the admin scope for a non-administrator.
  Task<Result<CreatedApiKey>> Create(const Caller& caller, NewApiKeyRequest request);
  Task<Result<store::Page<store::ApiKey>>> List(const Caller& caller, store::PageRequest page);
  // kNotFound when it is not the caller's or is already revoked.
  Task<Status> Revoke(const Caller& caller, std::string id);

 private:
  store::AsyncDb& db_;
  AuthService& auth_;
};

}  // namespace chorus::services
