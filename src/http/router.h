// Routes and the router. A route is a method, a path pattern with {named} segments (the last may
// be {named...}: the rest of the path, slashes included, as in model names like "org/model"), the
// access it requires, and a handler. Every route must declare its access: kUndeclared exists only so that a
// forgotten declaration is caught (the server refuses to start, and a test walks the table).
//
// Matching prefers literal segments over parameters, backtracking when a literal branch dead-ends,
// so "/users/me" and "/users/{id}" coexist. Paths are matched exactly: no trailing-slash or case
// folding. HEAD falls back to the GET route. The router is immutable once the server starts and is
// then safe to read from any thread.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/async.h"
#include "http/method.h"
#include "http/request.h"
#include "http/response.h"

namespace chorus::http {

enum class Access : uint8_t {
  kUndeclared,  // a bug: every route must say who may call it
  kPublic,      // anyone, no credentials
  kUser,        // any authenticated user (session token or API key)
  kAdmin,       // an authenticated user with access_role admin
};
std::string_view AccessName(Access access);

// Handlers never throw on purpose: expected failures are returned as error responses. Anything
// that escapes is caught by the dispatcher, logged with the request id, and answered with 500.
using Handler = std::function<Task<Response>(Request&)>;

struct Route {
  Method method = Method::kGet;
  std::string pattern;
  Access access = Access::kUndeclared;
  Handler handler;
  std::string summary;  // one line for `chorus routes` and the OpenAPI check
  // The API-key scope the route needs; empty derives it: "admin" for admin routes, "read" for GET
  // and HEAD, "all" otherwise. Routes for model calls say "inference". Sessions have every scope.
  std::string scope;
};

// The scope a route needs from an API key (see Route::scope).
std::string_view RequiredScope(const Route& route);

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds a route. Errors (kInvalidArgument): a malformed pattern, or a method+pattern that is
  // already taken (also when only the parameter names differ).
  Status Add(Route route);

  enum class Outcome { kFound, kNoPath, kNoMethod };
  struct Match {
    Outcome outcome = Outcome::kNoPath;
    const Route* route = nullptr;
    size_t index = 0;  // position of the route in routes(), for per-route metrics
    std::vector<std::pair<std::string_view, std::string>> params;
    std::vector<Method> allowed;  // the methods the path does have (for 405 and OPTIONS)
  };
  Match Find(Method method, std::string_view path) const;

  std::span<const std::unique_ptr<Route>> routes() const { return routes_; }

  // kInvalidArgument naming every route whose access is kUndeclared; the server refuses to start.
  Status CheckDeclarations() const;

 private:
  struct Node;
  const Node* Walk(const Node& node, std::span<const std::string_view> segments, Method method,
                   std::vector<std::string_view>& captured) const;

  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;  // stable addresses: matches point into them
};

// Splits "/a/b/c" into {"a","b","c"}; false for a path that is not absolute or has empty segments.
bool SplitPath(std::string_view path, std::vector<std::string_view>& segments);

}  // namespace chorus::http
