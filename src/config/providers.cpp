#include "config/providers.h"

#include <fmt/format.h>

#include <set>

#include "base/strings.h"

namespace chorus::config::detail {
namespace {

Unexpected Bad(std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message)); }

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 50) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> ApiKey(std::string_view text, const KeyValues& env) {
  if (!StartsWith(text, "env:")) return std::string(text);
  const std::string_view var = text.substr(4);
  for (const auto& [name, value] : env) {
    if (name == var) return value;
  }
  return Bad(fmt::format("api_key: the environment variable {} is not set", var));
}

Result<double> Price(const toml::node& node) {
  double value = -1;
  if (node.is_floating_point()) value = node.as_floating_point()->get();
  if (node.is_integer()) value = static_cast<double>(node.as_integer()->get());
  if (!(value >= 0 && value <= 1e6)) return Bad("expected a price in USD per million tokens, 0 to 1000000");
  return value;
}

Result<std::pair<std::string, std::string>> Model(std::string_view entry) {
  const auto eq = entry.find('=');
  std::string name(Trim(entry.substr(0, eq)));
  std::string upstream(eq == std::string_view::npos ? name : std::string(Trim(entry.substr(eq + 1))));
  if (name.empty() || name.size() > 100 || upstream.empty() || upstream.size() > 200) {
    return Bad(fmt::format("models: \"{}\" is not \"name\" or \"name=upstream-model\"", entry));
  }
  return std::make_pair(std::move(name), std::move(upstream));
}

Status ApplyField(ProviderConfig& p, std::string_view key, const toml::node& node, const KeyValues& env) {
  auto text = node.value<std::string>();
  if (key == "kind") {
    if (!text || (*text != "openai" && *text != "anthropic")) return Bad("kind: expected \"openai\" or \"anthropic\"");
    p.kind = *text;
  } else if (key == "base_url") {
    if (!text || !(StartsWith(*text, "http://") || StartsWith(*text, "https://"))) {
      return Bad("base_url: expected an http:// or https:// URL");
    }
    p.base_url = *text;
  } else if (key == "api_key") {
    if (!text) return Bad("api_key: expected a string (the key, or \"env:VARIABLE\")");
    CHORUS_ASSIGN_OR_RETURN(p.api_key, ApiKey(*text, env));
  } else if (key == "models" || key == "transcription_models" || key == "speech_models") {
    const toml::array* list = node.as_array();
    if (!list || list->empty()) return Bad(fmt::format("{}: expected a non-empty list of model names", key));
    for (const auto& item : *list) {
      auto entry = item.value<std::string>();
      if (!entry) return Bad(fmt::format("{}: expected strings", key));
      CHORUS_ASSIGN_OR_RETURN(auto model, Model(*entry));
      (key == "models" ? p.models : key == "speech_models" ? p.speech_models : p.transcription_models)
          .push_back(std::move(model));
    }
  } else if (key == "weight") {
    auto weight = node.value<int64_t>();
    if (!weight || *weight < 1 || *weight > 1000) return Bad("weight: expected an integer 1..1000");
    p.weight = static_cast<int>(*weight);
  } else if (key == "input_price_per_million" || key == "output_price_per_million") {
    auto price = Price(node);
    if (!price) return Bad(fmt::format("{}: {}", key, price.error().message));
    (key == "input_price_per_million" ? p.input_price_per_million : p.output_price_per_million) = *price;
  } else {
    return Bad(fmt::format("unknown key \"{}\"", key));
  }
  return Ok();
}

}  // namespace

Status ApplyProviders(Config& config, const toml::table& providers, const std::string& file, const KeyValues& env) {
  std::set<std::string> names;
  for (const auto& [k, node] : providers) {
    const std::string name(k.str());
    const std::string where = fmt::format("{}:{}: providers.{}", file, node.source().begin.line, name);
    const toml::table* table = node.as_table();
    if (!table) return Bad(where + ": expected a table [providers." + name + "]");
    if (!ValidName(name)) return Bad(where + ": a provider name is 1-50 of [a-z0-9_-]");
    ProviderConfig p;
    p.name = name;
    for (const auto& [field, value] : *table) {
      if (auto s = ApplyField(p, field.str(), value, env); !s) {
        return Bad(fmt::format("{}:{}: providers.{}.{}", file, value.source().begin.line, name,
                               s.error().message));
      }
    }
    if (p.base_url.empty()) return Bad(where + ": base_url is required");
    if (p.models.empty() && p.transcription_models.empty() && p.speech_models.empty()) {
      return Bad(where + ": models (or transcription_models, speech_models) is required");
    }
    if ((!p.transcription_models.empty() || !p.speech_models.empty()) && p.kind != "openai") {
      return Bad(where + ": transcription_models and speech_models need kind = \"openai\"");
    }
    names.insert(name);
    // A later file or table with the same name replaces the earlier one.
    std::erase_if(config.providers, [&](const ProviderConfig& q) { return q.name == name; });
    config.providers.push_back(std::move(p));
  }
  return Ok();
}

std::string RenderProviders(const Config& config) {
  std::string out;
  for (const auto& p : config.providers) {
    out += fmt::format("\n[providers.{}]\nkind = \"{}\"\nbase_url = \"{}\"\n", p.name, p.kind, p.base_url);
    if (!p.api_key.empty()) out += "api_key = \"<redacted>\"\n";
    auto list = [&out](std::string_view key, const std::vector<std::pair<std::string, std::string>>& models) {
      if (models.empty()) return;
      out += fmt::format("{} = [", key);
      for (size_t i = 0; i < models.size(); ++i) {
        const auto& [name, upstream] = models[i];
        out += fmt::format("{}\"{}{}\"", i ? ", " : "", name, name == upstream ? "" : "=" + upstream);
      }
      out += "]\n";
    };
    list("models", p.models);
    list("transcription_models", p.transcription_models);
    list("speech_models", p.speech_models);
    out += fmt::format("weight = {}\ninput_price_per_million = {}\noutput_price_per_million = {}\n", p.weight,
                       p.input_price_per_million, p.output_price_per_million);
  }
  return out;
}

}  // namespace chorus::config::detail
