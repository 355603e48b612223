// The request pipeline between the socket and the handlers, free of Beast so it is tested without
// sockets:
//
//   request id (taken if acceptable, else made) -> CORS preflight / OPTIONS -> route match (404/405)
//   -> authentication and role for the route's declared access -> handler (exceptions caught: 500)
//   -> common headers (X-Request-Id, X-Content-Type-Options, CORS)
//
// After the server has written the response it calls Record(), which writes the access-log line
// and the request metrics. Thread-safe: one Dispatcher serves every network thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/async.h"
#include "http/http_metrics.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace chorus::http {

// Decides who is calling. Implemented by the identity layer; absent until accounts exist, in
// which case every non-public route answers 401.
class Authenticator {
 public:
  Authenticator() = default;
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;
  virtual ~Authenticator() = default;

  // Returns the principal for the request's credentials. Errors: kUnauthenticated (missing, bad,
  // expired or revoked credentials), kRateLimited, kUnavailable. Must not throw.
  virtual Task<Result<Principal>> Authenticate(const Request& request) = 0;
};

struct DispatcherSettings {
  std::vector<std::string> cors_origins;  // exact origins, or "*"
  bool cors_allow_credentials = false;
  bool access_log = true;
};

class Dispatcher {
 public:
  Dispatcher(const Router& router, HttpMetrics& metrics, DispatcherSettings settings,
             Authenticator* authenticator = nullptr);

  // Never throws. Sets the request id and route on `request`.
  Task<Response> Dispatch(Request& request);

  // Takes the client's X-Request-Id when it is acceptable, else makes one.
  void AssignRequestId(Request& request) const;

  // Adds the headers every response carries; used for responses made outside Dispatch (413, 431,
  // 503 from the server) as well.
  void Decorate(const Request& request, Response& response) const;

  // Access log line and metrics for one finished exchange.
  void Record(const Request& request, int status, uint64_t bytes, std::chrono::microseconds elapsed);

  HttpMetrics& metrics() { return metrics_; }

 private:
  Response Preflight(const Request& request, const Router::Match& match) const;
  Task<Response> Invoke(Request& request, const Route& route);
  bool OriginAllowed(std::string_view origin) const;

  const Router& router_;
  HttpMetrics& metrics_;
  const DispatcherSettings settings_;
  Authenticator* const authenticator_;  // optional, not owned
};

}  // namespace chorus::http
