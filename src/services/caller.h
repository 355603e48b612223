// Who is calling, as services see it: filled by AuthService::Authenticate from a session token or
// an API key, and passed to every per-user operation. Services never take a user id from a request
// body or path for the caller's own data — only from here.
#pragma once

#include <string>
#include <vector>

namespace chorus::services {

struct Caller {
  std::string user_id;
  std::string access_role;   // user | test | admin
  std::string account_type;  // system | guest | registered
  std::string session_id;    // set when authenticated by a session token
  std::string api_key_id;    // set when authenticated by an API key
  std::vector<std::string> scopes;  // {"all"} for sessions; the key's scopes for API keys

  bool is_admin() const { return access_role == "admin"; }
  bool is_guest() const { return account_type == "guest"; }
};

// Where a request came from, for sessions and login throttling.
struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

}  // namespace chorus::services
