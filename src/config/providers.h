// The [providers.NAME] tables: model providers declared in the configuration file. Internal to the
// config library (toml++ stays here).
#pragma once

#include <toml++/toml.h>

#include <string>

#include "base/result.h"
#include "config/config.h"

namespace chorus::config::detail {

// Parses the `providers` table of `file` into config.providers. Errors name the file, line and key.
Status ApplyProviders(Config& config, const toml::table& providers, const std::string& file, const KeyValues& env);

// The providers as TOML tables, API keys redacted (an "env:VAR" reference is shown as written).
std::string RenderProviders(const Config& config);

}  // namespace chorus::config::detail
