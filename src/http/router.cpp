#include "http/router.h"

#include <fmt/format.h>

#include <array>

namespace chorus::http {

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kUndeclared: return "undeclared";
    case Access::kPublic: return "public";
    case Access::kUser: return "user";
    case Access::kAdmin: return "admin";
  }
  return "undeclared";
}

std::string_view RequiredScope(const Route& route) {
  if (!route.scope.empty()) return route.scope;
  if (route.access == Access::kAdmin) return "admin";
  if (route.method == Method::kGet || route.method == Method::kHead) return "read";
  return "all";
}

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> rest;  // a last {name...}: one or more segments, slashes and all
  std::array<int, kMethodCount> route_by_method;  // index into routes_, or -1
  std::vector<std::string_view> param_names_by_method[kMethodCount];

  Node() { route_by_method.fill(-1); }
  // Whether this node ends a route for `method` (any method when kUnknown).
  bool Serves(Method method) const {
    if (method != Method::kUnknown) return route_by_method[static_cast<size_t>(method)] >= 0;
    for (int r : route_by_method) {
      if (r >= 0) return true;
    }
    return false;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

bool SplitPath(std::string_view path, std::vector<std::string_view>& segments) {
  segments.clear();
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  size_t start = 1;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view segment = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (segment.empty()) return false;
    segments.push_back(segment);
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

Status Router::Add(Route route) {
  if (route.method == Method::kUnknown) return Unexpected(ErrorCode::kInvalidArgument, "route without a method");
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  const Route& r = *routes_.back();
  std::vector<std::string_view> segments;
  if (!SplitPath(r.pattern, segments)) {
    const std::string message = fmt::format("malformed route pattern \"{}\"", r.pattern);
    routes_.pop_back();
    return Unexpected(ErrorCode::kInvalidArgument, message);
  }
  Node* node = root_.get();
  std::vector<std::string_view> names;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string_view segment = segments[i];
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      std::string_view name = segment.substr(1, segment.size() - 2);
      const bool rest = name.size() > 3 && name.ends_with("...");
      if (rest && i + 1 != segments.size()) {
        const std::string message = fmt::format("\"{}\": only the last segment may take the rest", r.pattern);
        routes_.pop_back();
        return Unexpected(ErrorCode::kInvalidArgument, message);
      }
      std::unique_ptr<Node>& child = rest ? node->rest : node->param;
      if (!child) child = std::make_unique<Node>();
      names.push_back(rest ? name.substr(0, name.size() - 3) : name);
      node = child.get();
      continue;
    }
    Node* next = nullptr;
    for (auto& [literal, child] : node->literals) {
      if (literal == segment) next = child.get();
    }
    if (!next) {
      node->literals.emplace_back(std::string(segment), std::make_unique<Node>());
      next = node->literals.back().second.get();
    }
    node = next;
  }
  const auto m = static_cast<size_t>(r.method);
  if (node->route_by_method[m] >= 0) {
    const std::string duplicate = fmt::format("{} {} is already routed", MethodName(r.method), r.pattern);
    routes_.pop_back();
    return Unexpected(ErrorCode::kInvalidArgument, duplicate);
  }
  node->route_by_method[m] = static_cast<int>(routes_.size() - 1);
  node->param_names_by_method[m] = std::move(names);
  return Ok();
}

const Router::Node* Router::Walk(const Node& node, std::span<const std::string_view> segments, Method method,
                                 std::vector<std::string_view>& captured) const {
  if (segments.empty()) return node.Serves(method) ? &node : nullptr;
  const std::string_view head = segments.front();
  for (const auto& [literal, child] : node.literals) {
    if (literal != head) continue;
    if (const Node* found = Walk(*child, segments.subspan(1), method, captured)) return found;
  }
  if (node.param) {
    captured.push_back(head);
    if (const Node* found = Walk(*node.param, segments.subspan(1), method, captured)) return found;
    captured.pop_back();
  }
  if (node.rest && node.rest->Serves(method)) {
    // The segments are views into one path: the rest runs from the first to the end of the last.
    const std::string_view last = segments.back();
    captured.emplace_back(head.data(), static_cast<size_t>(last.data() + last.size() - head.data()));
    return node.rest.get();
  }
  return nullptr;
}

Router::Match Router::Find(Method method, std::string_view path) const {
  Match match;
  // Scratch space kept per thread (Find never suspends): a lookup allocates only for what it returns.
  thread_local std::vector<std::string_view> segments;
  thread_local std::vector<std::string_view> captured;
  captured.clear();
  if (!SplitPath(path, segments)) return match;
  // First the routes for this method (HEAD falling back to GET); failing that, any route on the
  // path, which makes the answer 405 rather than 404.
  Method chosen = method;
  const Node* node = method == Method::kUnknown ? nullptr : Walk(*root_, segments, method, captured);
  if (!node && method == Method::kHead) {
    chosen = Method::kGet;
    node = Walk(*root_, segments, chosen, captured);
  }
  if (!node) {
    const Node* any = Walk(*root_, segments, Method::kUnknown, captured);
    if (!any) return match;
    match.outcome = Outcome::kNoMethod;
    for (int m = 0; m < kMethodCount; ++m) {
      if (any->Serves(static_cast<Method>(m))) match.allowed.push_back(static_cast<Method>(m));
    }
    return match;
  }
  for (int m = 0; m < kMethodCount; ++m) {
    if (node->Serves(static_cast<Method>(m))) match.allowed.push_back(static_cast<Method>(m));
  }
  const int index = node->route_by_method[static_cast<size_t>(chosen)];
  match.outcome = Outcome::kFound;
  match.index = static_cast<size_t>(index);
  match.route = routes_[match.index].get();
  const auto& names = node->param_names_by_method[static_cast<size_t>(chosen)];
  for (size_t i = 0; i < names.size() && i < captured.size(); ++i) {
    match.params.emplace_back(names[i], PercentDecode(captured[i], false));
  }
  return match;
}

Status Router::CheckDeclarations() const {
  std::string missing;
  for (const auto& route : routes_) {
    if (route->access == Access::kUndeclared) {
      missing += fmt::format("{}{} {}", missing.empty() ? "" : ", ", MethodName(route->method), route->pattern);
    }
  }
  if (missing.empty()) return Ok();
  return Unexpected(ErrorCode::kInvalidArgument, "routes without an access declaration: " + missing);
}

}  // namespace chorus::http
