#include "http/client/url_guard.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <boost/url/parse.hpp>

#include <cstring>
#include <fmt/format.h>

#include "base/strings.h"

namespace chorus::http::client {
namespace {

// IANA special-purpose registries (RFC 6890 and successors): nothing here is a public host.
constexpr const char* kNonPublic[] = {
    "0.0.0.0/8",      "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",   "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24",   "192.0.2.0/24",    "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",  "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4",     "240.0.0.0/4",    "::/128",         "::1/128",        "100::/64",
    "2001::/23",      "2001:db8::/32",   "2002::/16",      "fc00::/7",       "fe80::/10",      "fec0::/10",
    "ff00::/8",
};

const std::vector<Cidr>& NonPublicNetworks() {
  static const std::vector<Cidr> networks = [] {
    std::vector<Cidr> out;
    for (const char* text : kNonPublic) out.push_back(*ParseCidr(text));
    return out;
  }();
  return networks;
}

bool InAny(const uint8_t* address, bool v6) {
  for (const Cidr& c : NonPublicNetworks()) {
    if (c.v6 == v6 && c.Contains(address)) return true;
  }
  return false;
}

bool V4NonPublic(const uint8_t v4[4]) { return InAny(v4, false); }

bool V6NonPublic(const uint8_t v6[16]) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static const uint8_t kNat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
  static const uint8_t kCompat[12] = {};
  // IPv4 inside IPv6 is judged as the IPv4 address it carries.
  if (std::memcmp(v6, kMapped, 12) == 0 || std::memcmp(v6, kNat64, 12) == 0) return V4NonPublic(v6 + 12);
  if (std::memcmp(v6, kCompat, 12) == 0) return true;  // ::/96 (deprecated IPv4-compatible) and ::, ::1
  return InAny(v6, true);
}

}  // namespace

bool IsNonPublicAddress(std::string_view ip) {
  const std::string text(ip);
  uint8_t buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return V4NonPublic(buf);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return V6NonPublic(buf);
  return true;  // not an address at all: refuse
}

Result<UrlGuard> UrlGuard::Make(const std::vector<std::string>& allow) {
  UrlGuard guard;
  for (const auto& entry : allow) {
    auto cidr = ParseCidr(entry);
    if (!cidr) return Unexpected(ErrorCode::kInvalidArgument, "outbound.allow: " + cidr.error().message);
    guard.allow_.push_back(*cidr);
  }
  return guard;
}

bool UrlGuard::Allowed(std::string_view ip) const {
  const std::string text(ip);
  uint8_t buf[16];
  const bool v4 = inet_pton(AF_INET, text.c_str(), buf) == 1;
  if (!v4 && inet_pton(AF_INET6, text.c_str(), buf) != 1) return false;
  for (const Cidr& c : allow_) {
    if (c.v6 != !v4) continue;
    if (c.Contains(buf)) return true;
  }
  return !IsNonPublicAddress(ip);
}

Result<Target> UrlGuard::Check(std::string_view url) const {
  auto bad = [](std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message), "url"); };
  if (url.size() > 2048) return bad("The URL is too long.");
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad("The URL is not valid.");
  Target t;
  t.scheme = ToLower(parsed->scheme());
  if (t.scheme != "http" && t.scheme != "https") return bad("Only http and https URLs are allowed.");
  if (parsed->has_userinfo()) return bad("URLs with credentials are not allowed.");
  t.host = std::string(parsed->encoded_host());
  if (parsed->host_type() == boost::urls::host_type::ipv6) t.host = parsed->host_ipv6_address().to_string();
  if (t.host.empty()) return bad("The URL has no host.");
  t.port = parsed->has_port() ? parsed->port_number() : (t.scheme == "https" ? 443 : 80);
  if (parsed->has_port() && t.port == 0) return bad("The URL's port is not valid.");
  t.target = std::string(parsed->encoded_path());
  if (t.target.empty()) t.target = "/";
  if (parsed->has_query()) t.target += "?" + std::string(parsed->encoded_query());

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  if (getaddrinfo(t.host.c_str(), nullptr, &hints, &results) != 0 || !results) {
    return bad(fmt::format("The host \"{}\" does not resolve.", t.host));
  }
  std::string refused;
  for (addrinfo* ai = results; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (ai->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, text, sizeof text);
    } else if (ai->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    // Every address the name resolves to must be allowed: a name with one public and one private
    // address is refused, so a resolver that rotates answers cannot steer us inside.
    if (!Allowed(text)) {
      refused = text;
      break;
    }
    if (t.address.empty()) t.address = text;
  }
  freeaddrinfo(results);
  if (!refused.empty() || t.address.empty()) {
    return Unexpected(ErrorCode::kPermissionDenied,
                      "The URL points at an address that is not reachable from this server.", "url");
  }
  return t;
}

}  // namespace chorus::http::client
