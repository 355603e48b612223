#include <fmt/format.h>

#include <toml++/toml.h>

#include <charconv>
#include <set>

#include "base/net.h"
#include "base/strings.h"
#include "config/config.h"
#include "config/keys.h"
#include "config/providers.h"

extern char** environ;

namespace chorus::config {
namespace {

using detail::FindKey;
using detail::KeyDef;
using detail::KeyTable;
using detail::RawValue;

Unexpected Bad(std::string message) { return Unexpected(ErrorCode::kInvalidArgument, std::move(message)); }

Status Apply(Config& config, const KeyDef& key, const RawValue& raw, std::string_view source) {
  if (auto s = key.apply(config, raw); !s) {
    return Bad(fmt::format("{}: {}: {}", source, key.name, s.error().message));
  }
  return Ok();
}

// Names of tables that hold keys ("log", "http", ...).
std::set<std::string, std::less<>> SectionNames() {
  std::set<std::string, std::less<>> sections;
  for (const auto& key : KeyTable()) {
    const auto dot = key.name.find('.');
    if (dot != std::string_view::npos) sections.emplace(key.name.substr(0, dot));
  }
  return sections;
}

Result<RawValue> FromToml(const toml::node& node) {
  if (auto v = node.value<std::string>()) return RawValue(*v);
  if (node.is_integer()) return RawValue(node.as_integer()->get());
  if (node.is_floating_point()) return RawValue(node.as_floating_point()->get());
  if (node.is_boolean()) return RawValue(node.as_boolean()->get());
  if (const toml::array* array = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& item : *array) {
      auto text = item.value<std::string>();
      if (!text) return Bad("expected a list of strings");
      items.push_back(*text);
    }
    return RawValue(std::move(items));
  }
  return Bad("unsupported value type");
}

Status ApplyTable(Config& config, const toml::table& table, const std::string& prefix, const std::string& file,
                  const KeyValues& env) {
  static const auto sections = SectionNames();
  for (const auto& [k, node] : table) {
    const std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    const std::string where = fmt::format("{}:{}", file, node.source().begin.line);
    if (const toml::table* sub = node.as_table()) {
      if (prefix.empty() && name == "providers") {
        CHORUS_TRY(detail::ApplyProviders(config, *sub, file, env));
        continue;
      }
      if (prefix.empty() && sections.contains(name)) {
        CHORUS_TRY(ApplyTable(config, *sub, name, file, env));
        continue;
      }
    }
    const KeyDef* key = FindKey(name);
    if (!key) return Bad(fmt::format("{}: unknown key \"{}\"", where, name));
    auto raw = FromToml(node);
    if (!raw) return Bad(fmt::format("{}: {}: {}", where, name, raw.error().message));
    CHORUS_TRY(Apply(config, *key, *raw, where));
  }
  return Ok();
}

Status ApplyFile(Config& config, const std::string& file, const KeyValues& env) {
  // Debian's toml++ is built with exceptions: parse errors arrive as toml::parse_error and are
  // turned into an Error here, at the adapter's edge.
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& err) {
    return Bad(fmt::format("{}:{}:{}: {}", file, err.source().begin.line, err.source().begin.column,
                           err.description()));
  }
  return ApplyTable(config, table, "", file, env);
}

Status ApplyEnvironment(Config& config, const KeyValues& env) {
  for (const auto& [name, value] : env) {
    if (!StartsWith(name, "CHORUS_") || StartsWith(name, "CHORUS_TEST_")) continue;
    const KeyDef* match = nullptr;
    for (const auto& key : KeyTable()) {
      if (detail::EnvName(key.name) == name || key.env_alias == name) match = &key;
    }
    if (!match) return Bad(fmt::format("environment: unknown variable {} (no such configuration key)", name));
    CHORUS_TRY(Apply(config, *match, RawValue(value), name));
  }
  return Ok();
}

Status ApplyOverrides(Config& config, const KeyValues& overrides) {
  for (const auto& [name, value] : overrides) {
    const KeyDef* key = FindKey(name);
    if (!key) return Bad(fmt::format("command line: unknown key \"{}\"", name));
    CHORUS_TRY(Apply(config, *key, RawValue(value), "command line"));
  }
  return Ok();
}

Status Validate(const Config& config) {
  if (auto endpoint = ParseEndpoint(config.listen); !endpoint) {
    return Bad(fmt::format("listen: {}", endpoint.error().message));
  }
  const bool sqlite = StartsWith(config.database, "sqlite:") && config.database.size() > 7;
  const bool postgres = StartsWith(config.database, "postgres://") || StartsWith(config.database, "postgresql://");
  if (!sqlite && !postgres) {
    return Bad("database: expected \"sqlite:PATH\" or a \"postgres://\" URL");
  }
  if (config.data_dir.empty()) return Bad("data_dir: must not be empty");
  for (const auto& origin : config.http.cors_origins) {
    const bool ok = origin == "*" || StartsWith(origin, "http://") || StartsWith(origin, "https://");
    if (!ok || (origin != "*" && origin.back() == '/')) {
      return Bad(fmt::format("http.cors_origins: \"{}\" is not an origin like \"https://app.example.com\"", origin));
    }
  }
  for (const auto& network : config.outbound.allow) {
    if (auto cidr = ParseCidr(network); !cidr) return Bad("outbound.allow: " + cidr.error().message);
  }
  return Ok();
}

}  // namespace

Result<Config> Load(const Sources& sources) {
  Config config;
  if (!sources.file.empty()) CHORUS_TRY(ApplyFile(config, sources.file, sources.env));
  CHORUS_TRY(ApplyEnvironment(config, sources.env));
  CHORUS_TRY(ApplyOverrides(config, sources.overrides));
  CHORUS_TRY(Validate(config));
  return config;
}

KeyValues ProcessEnvironment() {
  KeyValues env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

std::vector<KeyInfo> Keys() {
  const Config defaults;
  std::vector<KeyInfo> keys;
  for (const auto& key : KeyTable()) {
    keys.push_back(KeyInfo{std::string(key.name), detail::EnvName(key.name), std::string(key.type),
                           key.render(defaults), std::string(key.doc), std::string(key.env_alias)});
  }
  return keys;
}

std::string Render(const Config& config) {
  std::string top, sections;
  std::string current;
  for (const auto& key : KeyTable()) {
    const auto dot = key.name.find('.');
    const std::string value = key.secret && key.render(config) != "\"\"" ? "\"<redacted>\"" : key.render(config);
    if (dot == std::string_view::npos) {
      top += fmt::format("{} = {}\n", key.name, value);
      continue;
    }
    const std::string section(key.name.substr(0, dot));
    if (section != current) {
      sections += fmt::format("\n[{}]\n", section);
      current = section;
    }
    sections += fmt::format("{} = {}\n", key.name.substr(dot + 1), value);
  }
  return top + sections + detail::RenderProviders(config);
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint endpoint;
  std::string_view port;
  if (StartsWith(text, "[")) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return Bad("expected \"[ipv6]:port\"");
    endpoint.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return Bad("expected \"host:port\"");
    endpoint.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (endpoint.host.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return Bad(fmt::format("\"{}\" is not a host:port address", text));
  }
  endpoint.port = static_cast<uint16_t>(value);
  return endpoint;
}

}  // namespace chorus::config
