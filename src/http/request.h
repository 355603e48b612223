// A request as handlers see it: no Beast types, so handlers and their tests compile without the
// HTTP library. Header values and the target are views into the server's buffers and live as long
// as the request. Path parameters are percent-decoded; query values are decoded on access.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "http/method.h"

namespace chorus::http {

// A request body the server wrote to an unnamed file instead of memory (multipart uploads, see
// ServerSettings::spool_dir). The file has no name (it was unlinked when created), so nothing is left
// behind when the request ends or the process dies; it lives as long as the last owner of this object.
class SpooledBody {
 public:
  SpooledBody(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~SpooledBody();
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;

  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  // A path that opens this same file for reading (/proc/self/fd/N), for libraries that want a path.
  std::string path() const;

 private:
  int fd_;
  uint64_t size_;
};

// Who is calling. Filled by the Authenticator for routes that need one (see router.h).
struct Principal {
  std::string user_id;
  bool is_admin = false;
  std::vector<std::string> scopes;  // {"all"} for sessions
  std::string access_role;
  std::string account_type;
  std::string session_id;  // set for session tokens
  std::string api_key_id;  // set for API keys
};

class Request {
 public:
  Request() = default;
  Request(Method method, std::string_view target) : method_(method), target_(target) {}

  Method method() const { return method_; }
  std::string_view target() const { return target_; }
  std::string_view path() const { return target_.substr(0, target_.find('?')); }
  std::string_view query_string() const;

  // The first value of a query parameter, percent-decoded ('+' is a space); nullopt if absent.
  std::optional<std::string> Query(std::string_view name) const;
  // The value of a header (names compare case-insensitively); empty if absent.
  std::string_view Header(std::string_view name) const;
  const std::vector<std::pair<std::string_view, std::string_view>>& headers() const { return headers_; }
  // A path parameter declared as {name} in the route pattern; empty if there is none.
  std::string_view PathParam(std::string_view name) const;

  // The body held in memory; empty when it was spooled to a file (see spooled_body()).
  const std::string& body() const { return body_; }
  std::string& mutable_body() { return body_; }
  // The body when the server spooled it to a file; nullptr when it is in body().
  const std::shared_ptr<const SpooledBody>& spooled_body() const { return spooled_; }
  uint64_t body_size() const { return spooled_ ? spooled_->size() : body_.size(); }
  // Up to out.size() bytes of the body from `offset`, wherever the body is; fewer at its end.
  // kInternal when the spool file cannot be read.
  Result<size_t> ReadBody(uint64_t offset, std::span<char> out) const;

  const std::string& request_id() const { return request_id_; }
  const std::string& remote_address() const { return remote_address_; }
  // The matched route's pattern ("/api/v1/jobs/{id}"), or empty when none matched.
  std::string_view route() const { return route_; }
  // The matched route's position in the router (for per-route metrics); kNoRoute when none matched.
  static constexpr size_t kNoRoute = static_cast<size_t>(-1);
  size_t route_index() const { return route_index_; }
  const Principal* principal() const { return principal_ ? &*principal_ : nullptr; }

  // Set by the server and the dispatcher.
  void ReserveHeaders(size_t n) { headers_.reserve(n); }
  void AddHeader(std::string_view name, std::string_view value) { headers_.emplace_back(name, value); }
  void set_body(std::string body) { body_ = std::move(body); }
  void set_spooled_body(std::shared_ptr<const SpooledBody> body) { spooled_ = std::move(body); }
  void set_request_id(std::string id) { request_id_ = std::move(id); }
  void set_remote_address(std::string address) { remote_address_ = std::move(address); }
  void set_route(std::string_view route, size_t index) {
    route_ = route;
    route_index_ = index;
  }
  void set_path_params(std::vector<std::pair<std::string_view, std::string>> params) { params_ = std::move(params); }
  void set_principal(Principal principal) { principal_ = std::move(principal); }

 private:
  Method method_ = Method::kGet;
  std::string_view target_;
  std::vector<std::pair<std::string_view, std::string_view>> headers_;
  std::vector<std::pair<std::string_view, std::string>> params_;
  std::string body_;
  std::shared_ptr<const SpooledBody> spooled_;
  std::string request_id_;
  std::string remote_address_;
  std::string_view route_;
  size_t route_index_ = kNoRoute;
  std::optional<Principal> principal_;
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Malformed escapes stay as they are.
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace chorus::http
