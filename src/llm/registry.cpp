#include "llm/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace chorus::llm {

std::string_view KindName(ProviderKind kind) { return kind == ProviderKind::kAnthropic ? "anthropic" : "openai"; }

Result<ProviderKind> ParseKind(std::string_view name) {
  if (name == "openai") return ProviderKind::kOpenAi;
  if (name == "anthropic") return ProviderKind::kAnthropic;
  return Unexpected(ErrorCode::kInvalidArgument, "kind must be \"openai\" or \"anthropic\"", "kind");
}

Result<std::shared_ptr<const Registry>> Registry::Build(const std::vector<ProviderSpec>& providers) {
  auto registry = std::make_shared<Registry>();
  std::set<std::string, std::less<>> names;
  for (const auto& p : providers) {
    if (!names.insert(p.name).second) {
      return Unexpected(ErrorCode::kInvalidArgument, fmt::format("provider \"{}\" is declared twice", p.name));
    }
    auto endpoint = http::client::ParseBaseUrl(p.base_url);
    if (!endpoint) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        fmt::format("provider \"{}\": {}", p.name, endpoint.error().message), "base_url");
    }
    for (const auto& m : p.models) {
      auto it = std::find_if(registry->models_.begin(), registry->models_.end(),
                             [&](const ModelRoute& r) { return r.name == m.name; });
      if (it == registry->models_.end()) {
        registry->models_.push_back(ModelRoute{.name = m.name});
        it = std::prev(registry->models_.end());
      }
      it->deployments.push_back(Deployment{.provider = p.name,
                                           .kind = p.kind,
                                           .endpoint = *endpoint,
                                           .api_key = p.api_key,
                                           .upstream_model = m.upstream_model,
                                           .input_price_per_million = m.input_price_per_million,
                                           .output_price_per_million = m.output_price_per_million,
                                           .weight = std::max(1, m.weight)});
      it->total_weight += std::max(1, m.weight);
    }
    registry->providers_.push_back(p);
  }
  std::sort(registry->models_.begin(), registry->models_.end(),
            [](const ModelRoute& a, const ModelRoute& b) { return a.name < b.name; });
  return std::shared_ptr<const Registry>(std::move(registry));
}

const ModelRoute* Registry::Find(std::string_view model) const {
  auto it = std::lower_bound(models_.begin(), models_.end(), model,
                             [](const ModelRoute& r, std::string_view name) { return r.name < name; });
  return it != models_.end() && it->name == model ? &*it : nullptr;
}

const ProviderSpec* Registry::FindProvider(std::string_view name) const {
  for (const auto& p : providers_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<const Deployment*> Registry::AttemptOrder(const ModelRoute& route, uint64_t random) {
  std::vector<const Deployment*> order;
  order.reserve(route.deployments.size());
  for (const auto& d : route.deployments) order.push_back(&d);
  if (order.size() < 2) return order;
  std::stable_sort(order.begin(), order.end(), [](const Deployment* a, const Deployment* b) { return a->weight > b->weight; });
  uint64_t ticket = random % static_cast<uint64_t>(route.total_weight);
  for (size_t i = 0; i < order.size(); ++i) {
    const auto w = static_cast<uint64_t>(order[i]->weight);
    if (ticket < w) {
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(i),
                  order.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
    ticket -= w;
  }
  return order;
}

}  // namespace chorus::llm
