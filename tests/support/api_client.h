// A small JSON client over the raw HTTP client, for integration tests of the REST API.
#pragma once

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "tests/support/http_client.h"

namespace chorus::testing {

struct ApiResponse {
  int status = 0;
  std::string body;
  boost::json::value json;  // null when the body is not JSON
  HttpResponse raw;
  // json["error"]["code"], or "" when the body is not an error.
  std::string ErrorCode() const;
  std::string ErrorParam() const;
  std::string Str(std::string_view key) const;  // a top-level string field, or ""
};

class ApiClient {
 public:
  explicit ApiClient(uint16_t port) : port_(port) {}
  // `body` is sent as-is (JSON text); `token` as "Authorization: Bearer <token>" when not empty.
  ApiResponse Call(std::string_view method, std::string_view path, std::string_view body = {},
                   std::string_view token = {}) const;
  ApiResponse Get(std::string_view path, std::string_view token = {}) const { return Call("GET", path, {}, token); }
  ApiResponse Post(std::string_view path, const boost::json::value& body, std::string_view token = {}) const;
  ApiResponse Patch(std::string_view path, const boost::json::value& body, std::string_view token = {}) const;

 private:
  uint16_t port_;
};

}  // namespace chorus::testing
