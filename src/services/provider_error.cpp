#include "services/provider_error.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace chorus::services {

Error ProviderHttpError(std::string_view provider, int status, std::string_view body) {
  namespace json = boost::json;
  std::string message = fmt::format("The provider {} answered HTTP {}", provider, status);
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    if (const json::value* e = parsed.as_object().if_contains("error"); e != nullptr && e->is_object()) {
      if (const json::value* m = e->as_object().if_contains("message"); m != nullptr && m->is_string()) {
        message += ": " + std::string(m->get_string()).substr(0, 300);
      }
    }
  }
  return MakeError(status == 429 ? ErrorCode::kRateLimited : ErrorCode::kUpstream, message + ".");
}

}  // namespace chorus::services
