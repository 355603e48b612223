// The outbound HTTP client for user-supplied URLs (webhooks now; audio URLs and upstream providers
// later). Every URL goes through the UrlGuard; the connection goes to the address the guard checked;
// redirects are never followed; connect and read timeouts and a response size cap bound every call.
// HTTPS verifies the server's certificate against the system's CAs and the URL's host name.
//
// Send() blocks the calling thread (workers call it); it runs its own small event loop. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/client/url_guard.h"

namespace chorus::http::client {

struct ClientSettings {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};
  size_t max_response_bytes = 1 << 20;
};

struct OutboundRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct OutboundResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class Client {
 public:
  Client(const UrlGuard& guard, ClientSettings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Errors: the guard's (kInvalidArgument, kPermissionDenied); kUnavailable when the connection
  // fails; kDeadlineExceeded on a timeout; kUpstream for a malformed or oversized response.
  Result<OutboundResponse> Send(const OutboundRequest& request) const;

 private:
  struct Impl;
  const UrlGuard& guard_;
  const ClientSettings settings_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::http::client
