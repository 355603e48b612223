// The one guard for every URL that comes from a user (webhooks, audio URLs, custom provider hosts).
//
// A URL passes when it is http or https, its host resolves, and the address it will be fetched from
// is public: not loopback, private, link-local (cloud metadata included), shared, multicast,
// reserved or documentation space, in IPv4 or IPv6, including IPv4 written in decimal, octal or hex
// (the resolver normalises those) and IPv4 embedded in IPv6 (mapped, NAT64). The caller connects to
// the checked address, not to the name again, so a DNS answer cannot change between the check and
// the connection. CIDRs in the allowlist (config outbound.allow) let trusted deployments and tests
// reach addresses that would otherwise be refused. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/net.h"
#include "base/result.h"

namespace chorus::http::client {

struct Target {
  std::string scheme;  // "http" or "https"
  std::string host;    // for Host and TLS SNI/verification
  uint16_t port = 0;
  std::string target;  // path and query, "/" at least
  std::string address; // the checked IP to connect to
};

class UrlGuard {
 public:
  // `allow`: CIDRs ("127.0.0.0/8", "::1/128") that are reachable even though not public.
  // kInvalidArgument for a malformed CIDR.
  static Result<UrlGuard> Make(const std::vector<std::string>& allow);

  // kInvalidArgument (param "url") when the URL is malformed, not http(s), carries credentials, or
  // its host does not resolve; kPermissionDenied when it resolves only to refused addresses.
  Result<Target> Check(std::string_view url) const;

  // Whether an address (text form) may be reached.
  bool Allowed(std::string_view ip) const;

 private:
  std::vector<Cidr> allow_;
};

// True for addresses no user URL may reach unless allowlisted (exposed for tests).
bool IsNonPublicAddress(std::string_view ip);

}  // namespace chorus::http::client
