#include "tests/support/api_client.h"

namespace chorus::testing {

std::string ApiResponse::ErrorCode() const {
  if (!json.is_object() || !json.as_object().contains("error")) return {};
  return std::string(json.at("error").at("code").as_string());
}

std::string ApiResponse::ErrorParam() const {
  if (!json.is_object() || !json.as_object().contains("error")) return {};
  const auto& p = json.at("error").at("param");
  return p.is_string() ? std::string(p.as_string()) : std::string();
}

std::string ApiResponse::Str(std::string_view key) const {
  if (!json.is_object()) return {};
  auto it = json.as_object().find(key);
  return it != json.as_object().end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

ApiResponse ApiClient::Call(std::string_view method, std::string_view path, std::string_view body,
                            std::string_view token) const {
  std::string headers = "Content-Type: application/json\r\n";
  if (!token.empty()) headers += "Authorization: Bearer " + std::string(token) + "\r\n";
  ApiResponse r;
  auto raw = Fetch(port_, method, path, body, headers);
  if (!raw) return r;
  r.raw = *raw;
  r.status = raw->status;
  r.body = raw->body;
  boost::system::error_code ec;
  r.json = boost::json::parse(r.body, ec);
  if (ec) r.json = nullptr;
  return r;
}

ApiResponse ApiClient::Post(std::string_view path, const boost::json::value& body, std::string_view token) const {
  return Call("POST", path, boost::json::serialize(body), token);
}

ApiResponse ApiClient::Patch(std::string_view path, const boost::json::value& body, std::string_view token) const {
  return Call("PATCH", path, boost::json::serialize(body), token);
}

}  // namespace chorus::testing
