// The key table: every configuration key, its type, bounds, default and documentation.
// Internal to the config library.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace chorus::config::detail {

// A value as a source delivered it. Environment variables and flags deliver text only.
using RawValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

struct KeyDef {
  std::string_view name;
  std::string_view type;
  std::string_view doc;
  // Parses and stores the value; the error message does not repeat the key name.
  std::function<Status(Config&, const RawValue&)> apply;
  // The current value as a TOML literal.
  std::function<std::string(const Config&)> render;
  // Secrets are shown as "<redacted>" by Render and `chorus config check`.
  bool secret = false;
  // An extra environment variable that sets this key (e.g. CHORUS_MASTER_KEY), or empty.
  std::string_view env_alias;
};

const std::vector<KeyDef>& KeyTable();
const KeyDef* FindKey(std::string_view name);
// "http.max_body_bytes" -> "CHORUS_HTTP_MAX_BODY_BYTES"
std::string EnvName(std::string_view key);

}  // namespace chorus::config::detail
