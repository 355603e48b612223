#include "http/dispatcher.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "base/ids.h"
#include "base/log.h"
#include "base/strings.h"

namespace chorus::http {
namespace {

std::string AllowHeader(const std::vector<Method>& methods) {
  std::string allow;
  bool get = false;
  for (Method m : methods) {
    allow += (allow.empty() ? "" : ", ") + std::string(MethodName(m));
    get = get || m == Method::kGet;
  }
  if (get) allow += ", HEAD";
  return allow + (allow.empty() ? "OPTIONS" : ", OPTIONS");
}

// Sessions carry every scope; an API key needs "all" or the route's own scope.
bool ScopeAllows(const Principal& principal, const Route& route) {
  if (principal.api_key_id.empty()) return true;
  const std::string_view required = RequiredScope(route);
  return std::any_of(principal.scopes.begin(), principal.scopes.end(),
                     [required](const std::string& s) { return s == "all" || s == required; });
}

}  // namespace

Dispatcher::Dispatcher(const Router& router, HttpMetrics& metrics, DispatcherSettings settings,
                       Authenticator* authenticator)
    : router_(router), metrics_(metrics), settings_(std::move(settings)), authenticator_(authenticator) {}

void Dispatcher::AssignRequestId(Request& request) const {
  const std::string_view given = request.Header("X-Request-Id");
  request.set_request_id(IsAcceptableRequestId(given) ? std::string(given) : NewRequestId());
}

Task<Response> Dispatcher::Dispatch(Request& request) {
  AssignRequestId(request);

  Router::Match match = router_.Find(request.method(), request.path());
  Response response;
  if (request.method() == Method::kOptions && match.outcome != Router::Outcome::kFound) {
    response = match.outcome == Router::Outcome::kNoPath
                   ? ErrorResponse({ErrorCode::kNotFound, fmt::format("No route for {}", request.path())})
                   : Preflight(request, match);
  } else if (match.outcome == Router::Outcome::kNoPath) {
    response = ErrorResponse({ErrorCode::kNotFound, fmt::format("No route for {} {}", MethodName(request.method()),
                                                                 request.path())});
  } else if (match.outcome == Router::Outcome::kNoMethod) {
    response = ErrorResponse({ErrorCode::kMethodNotAllowed,
                              fmt::format("{} is not allowed on {}", MethodName(request.method()), request.path())});
    response.SetHeader("Allow", AllowHeader(match.allowed));
  } else {
    request.set_route(match.route->pattern, match.index);
    request.set_path_params(std::move(match.params));
    response = co_await Invoke(request, *match.route);
  }
  Decorate(request, response);
  co_return response;
}

Task<Response> Dispatcher::Invoke(Request& request, const Route& route) {
  if (route.access == Access::kUndeclared) {
    // Unreachable when the server started (it refuses undeclared routes); fail closed regardless.
    co_return ErrorResponse({ErrorCode::kInternal, "route declares no access"});
  }
  if (route.access != Access::kPublic) {
    if (!authenticator_) {
      co_return ErrorResponse({ErrorCode::kUnauthenticated, "Authentication is required."});
    }
    Result<Principal> principal = co_await authenticator_->Authenticate(request);
    if (!principal) co_return ErrorResponse(principal.error());
    if (route.access == Access::kAdmin && !principal->is_admin) {
      co_return ErrorResponse({ErrorCode::kPermissionDenied, "This route is for administrators."});
    }
    if (!ScopeAllows(*principal, route)) {
      co_return ErrorResponse({ErrorCode::kPermissionDenied,
                               fmt::format("This API key lacks the \"{}\" scope.", RequiredScope(route))});
    }
    request.set_principal(std::move(*principal));
  }
  // Handlers report expected failures as responses; an exception here is a bug. It is logged with
  // the request id and answered with a 500 that reveals nothing.
  std::string failure;
  try {
    co_return co_await route.handler(request);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "non-standard exception";
  }
  log::Error("handler threw", {{"request_id", request.request_id()}, {"route", route.pattern},
                               {"exception", failure}});
  co_return ErrorResponse({ErrorCode::kInternal, failure});
}

namespace {

// The headers a preflight allows: those the browser asks for (SDKs send their own, such as the
// openai package's X-Stainless-*; the origin is what CORS restricts, and it was checked), as long
// as the list is only header names; else the ones Chorus reads.
std::string AllowedHeaders(std::string_view requested) {
  constexpr std::string_view kRead = "Authorization, Content-Type, X-Request-Id, OpenAI-Organization, OpenAI-Project";
  const bool names = !requested.empty() && requested.size() <= 1024 &&
                     std::all_of(requested.begin(), requested.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ',' ||
                              c == ' ';
                     });
  return std::string(names ? requested : kRead);
}

}  // namespace

Response Dispatcher::Preflight(const Request& request, const Router::Match& match) const {
  Response response = Response::NoContent();
  response.SetHeader("Allow", AllowHeader(match.allowed));
  if (!request.Header("Origin").empty() && OriginAllowed(request.Header("Origin"))) {
    response.SetHeader("Access-Control-Allow-Methods", AllowHeader(match.allowed));
    response.SetHeader("Access-Control-Allow-Headers", AllowedHeaders(request.Header("Access-Control-Request-Headers")));
    response.SetHeader("Access-Control-Max-Age", "600");
  }
  return response;
}

bool Dispatcher::OriginAllowed(std::string_view origin) const {
  for (const auto& allowed : settings_.cors_origins) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

void Dispatcher::Decorate(const Request& request, Response& response) const {
  response.headers.reserve(response.headers.size() + 2);
  response.SetHeader("X-Request-Id", request.request_id());
  response.SetHeader("X-Content-Type-Options", "nosniff");
  const std::string_view origin = request.Header("Origin");
  if (origin.empty() || settings_.cors_origins.empty()) return;
  bool exact = false, any = false;
  for (const auto& allowed : settings_.cors_origins) {
    exact = exact || allowed == origin;
    any = any || allowed == "*";
  }
  if (exact) {
    response.SetHeader("Access-Control-Allow-Origin", std::string(origin));
    if (settings_.cors_allow_credentials) response.SetHeader("Access-Control-Allow-Credentials", "true");
    response.SetHeader("Vary", "Origin");
  } else if (any) {
    // A wildcard never goes with credentials: browsers refuse the pair, and it would be unsafe.
    response.SetHeader("Access-Control-Allow-Origin", "*");
  }
  if (exact || any) response.SetHeader("Access-Control-Expose-Headers", "X-Request-Id");
}

void Dispatcher::Record(const Request& request, int status, uint64_t bytes, std::chrono::microseconds elapsed) {
  metrics_.Record(request.route_index(), request.method(), status, bytes,
                  static_cast<double>(elapsed.count()) / 1e6);
  if (!settings_.access_log || !log::Enabled(log::Level::kInfo)) return;
  log::Info("request", {{"method", MethodName(request.method())},
                        {"route", request.route().empty() ? std::string_view("-") : request.route()},
                        {"status", status},
                        {"bytes", bytes},
                        {"us", static_cast<int64_t>(elapsed.count())},
                        {"request_id", request.request_id()}});
}

}  // namespace chorus::http
