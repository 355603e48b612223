// Asynchronous outbound HTTP for model providers: the request path of the LLM gateway.
//
// Unlike Client (one blocking exchange per call, for workers), UpstreamClient runs on the network
// thread that serves the caller, keeps connections alive and pools them, and hands the response body
// over piece by piece as it arrives, so a stream can be relayed without being buffered.
//
// The pool is per execution context (an Asio service): a connection is only ever used by the
// io_context that opened it, so one network thread per io_context (how http::Server runs) needs no
// locks. Idle connections are dropped after `idle_keep` (also those a burst left that the traffic
// since has not needed), and one the peer has closed is noticed before reuse; a reused connection
// that fails before any response byte arrives (reset, or closed cleanly) is retried once on a fresh
// one (the race with a server closing an idle keep-alive connection). A connection goes back to
// the pool only when its response was read to its end and nothing came after it. Interim 1xx
// responses are skipped. Redirects are never followed: a 3xx is just a response.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/async.h"
#include "base/result.h"

namespace chorus::http::client {

// Where a request goes. `address` is the IP to connect to: set it to the address a UrlGuard checked
// (user-supplied URLs); leave it empty to resolve `host` (trusted, operator-configured URLs).
struct Endpoint {
  std::string scheme = "http";  // http | https
  std::string host;             // for Host, SNI and certificate verification
  uint16_t port = 80;
  std::string address;
  std::string path_prefix;      // from the base URL, e.g. "/v1"; requests append to it
};

// Splits a trusted base URL ("https://api.openai.com/v1") into an Endpoint without resolving it.
// kInvalidArgument for anything but http(s) with a host, or with credentials, query or fragment.
Result<Endpoint> ParseBaseUrl(std::string_view url);

struct UpstreamTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds first_byte{60000};  // request written and response headers read
  std::chrono::milliseconds idle{60000};        // between two pieces of the body
};

struct UpstreamRequest {
  std::string method = "POST";
  std::string path;  // appended to the endpoint's path_prefix: "/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class UpstreamResponse {
 public:
  struct Impl;
  explicit UpstreamResponse(std::unique_ptr<Impl> impl);
  ~UpstreamResponse();  // pools the connection when the body was read to its end, else closes it
  UpstreamResponse(const UpstreamResponse&) = delete;
  UpstreamResponse& operator=(const UpstreamResponse&) = delete;

  int status() const;
  // A response header (case-insensitive); empty when absent.
  std::string_view Header(std::string_view name) const;

  // The next piece of the body, as soon as some of it arrives; an empty view once the body is
  // complete. The view is valid until the next call. Errors: kDeadlineExceeded (idle timeout),
  // kUnavailable (connection lost), kUpstream (malformed HTTP).
  Task<Result<std::string_view>> Read();
  // Changes the idle timeout of the next reads (e.g. a short one to drain the end of a stream).
  void set_idle_timeout(std::chrono::milliseconds timeout);
  // True once the whole body has been read (the connection can go back to the pool).
  bool done() const;
  // The rest of the body; kUpstream when it exceeds `limit` bytes.
  Task<Result<std::string>> ReadAll(size_t limit);

 private:
  std::unique_ptr<Impl> impl_;
};

struct UpstreamClientSettings {
  size_t max_idle_per_host = 256;
  std::chrono::milliseconds idle_keep{4000};  // below the common 5 s keep-alive of servers
};

class UpstreamClient {
 public:
  explicit UpstreamClient(UpstreamClientSettings settings = {});
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends the request and waits for the response headers. Errors: kUnavailable (resolution,
  // connection refused or lost), kDeadlineExceeded (a timeout), kUpstream (malformed response).
  Task<Result<std::unique_ptr<UpstreamResponse>>> Send(const Endpoint& endpoint, const UpstreamRequest& request,
                                                       const UpstreamTimeouts& timeouts) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::http::client
