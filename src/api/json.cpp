#include "api/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace chorus::api {

namespace json = boost::json;

Result<json::object> ParseObject(const http::Request& request, bool allow_empty) {
  if (request.body().empty()) {
    if (allow_empty) return json::object();
    return Unexpected(ErrorCode::kInvalidArgument, "Request body must be a JSON object.");
  }
  // A request body lives as long as its request: parsed into one growing arena that is freed at
  // once, instead of a heap allocation per key and string. (Moving the object keeps the arena; a
  // copy into a default-allocated object copies out of it.)
  boost::system::error_code ec;
  json::value v = json::parse(request.body(), ec, json::make_shared_resource<json::monotonic_resource>());
  if (ec) return Unexpected(ErrorCode::kInvalidArgument, "Request body is not valid JSON: " + ec.message());
  if (!v.is_object()) return Unexpected(ErrorCode::kInvalidArgument, "Request body must be a JSON object.");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> OptionalString(const json::object& o, std::string_view key, size_t max_bytes) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(key) + " must be a string.", std::string(key));
  }
  const auto& s = it->value().as_string();
  if (s.size() > max_bytes) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(key) + " is too long.", std::string(key));
  }
  return std::optional<std::string>(std::string(s));
}

Result<std::string> RequiredString(const json::object& o, std::string_view key, size_t max_bytes) {
  CHORUS_ASSIGN_OR_RETURN(auto value, OptionalString(o, key, max_bytes));
  if (!value) return Unexpected(ErrorCode::kInvalidArgument, std::string(key) + " is required.", std::string(key));
  return std::move(*value);
}

Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(key) + " must be true or false.", std::string(key));
  }
  return std::optional<bool>(it->value().as_bool());
}

Status OnlyFields(const json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      return Unexpected(ErrorCode::kInvalidArgument, std::string(kv.key()) + " cannot be set here.",
                        std::string(kv.key()));
    }
  }
  return Ok();
}

Result<store::PageRequest> PageParams(const http::Request& request) {
  store::PageRequest page;
  if (auto limit = request.Query("limit")) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || n < 1) {
      return Unexpected(ErrorCode::kInvalidArgument, "limit must be a positive integer.", "limit");
    }
    page.limit = n;
  }
  if (auto after = request.Query("after")) page.after = *after;
  return page;
}

http::Response Json(int status, const json::value& value) { return http::Response::Json(status, json::serialize(value)); }

http::Response JsonList(json::array items, const std::string& next_cursor) {
  json::object o;
  o["object"] = "list";
  o["data"] = std::move(items);
  o["has_more"] = !next_cursor.empty();
  o["next_cursor"] = next_cursor.empty() ? json::value(nullptr) : json::value(next_cursor);
  return Json(200, o);
}

services::Caller CallerOf(const http::Request& request) {
  services::Caller caller;
  if (const http::Principal* p = request.principal()) {
    caller.user_id = p->user_id;
    caller.access_role = p->access_role;
    caller.account_type = p->account_type;
    caller.session_id = p->session_id;
    caller.api_key_id = p->api_key_id;
    caller.scopes = p->scopes;
  }
  return caller;
}

json::value OrNull(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value OrNull(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::value StoredJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

json::value StoredJsonOrNull(const std::optional<std::string>& text) {
  return text ? StoredJson(std::string_view(*text)) : json::value(nullptr);
}

}  // namespace chorus::api
