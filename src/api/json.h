// JSON in and out of handlers (Boost.JSON), and the small conversions every handler repeats:
// reading typed fields with errors that name the field, paging parameters, the caller.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/request.h"
#include "http/response.h"
#include "services/caller.h"
#include "store/page.h"

namespace chorus::api {

// The body as a JSON object. An empty body reads as {} when `allow_empty`. kInvalidArgument
// otherwise, or when the body is not a JSON object.
Result<boost::json::object> ParseObject(const http::Request& request, bool allow_empty = false);

// A field absent or null reads as nullopt; a field of another type is kInvalidArgument naming it.
Result<std::optional<std::string>> OptionalString(const boost::json::object& o, std::string_view key,
                                                  size_t max_bytes = 4096);
Result<std::string> RequiredString(const boost::json::object& o, std::string_view key, size_t max_bytes = 4096);
Result<std::optional<bool>> OptionalBool(const boost::json::object& o, std::string_view key);

// Refuses fields outside `allowed` (param: the first such field). Used where a field the caller
// may not set (role, credits, id...) must fail loudly instead of being silently dropped.
Status OnlyFields(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

// ?limit=&after= as a page request. kInvalidArgument (param "limit") for a non-number.
Result<store::PageRequest> PageParams(const http::Request& request);

http::Response Json(int status, const boost::json::value& value);
// {"object":"list","data":[...],"has_more":bool,"next_cursor":"..."}
http::Response JsonList(boost::json::array items, const std::string& next_cursor);

// JsonList of `items` turned to JSON by `to_json`.
template <typename Items, typename ToJson>
http::Response JsonListOf(const Items& items, ToJson to_json, const std::string& next_cursor = "") {
  boost::json::array array;
  array.reserve(items.size());
  for (const auto& item : items) array.push_back(to_json(item));
  return JsonList(std::move(array), next_cursor);
}

// The authenticated caller of a route declared kUser or kAdmin.
services::Caller CallerOf(const http::Request& request);

// A JSON column read back as a value (the schema checks that it is JSON); one that somehow does not
// parse reads as null rather than failing the response.
boost::json::value StoredJson(std::string_view text);
boost::json::value StoredJsonOrNull(const std::optional<std::string>& text);

// JSON for a nullable string/double field.
boost::json::value OrNull(const std::optional<std::string>& v);
boost::json::value OrNull(const std::optional<double>& v);

}  // namespace chorus::api
