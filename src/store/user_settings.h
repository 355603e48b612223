// user_settings (seed 001): one row per user, created on first write. Reading a user without a
// row returns the defaults.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/database.h"

namespace chorus::store {

struct UserSettings {
  std::string user_id;
  std::string preferred_language = "en";
  std::string summary_quality = "balanced";
  std::string settings_json = "{}";  // a JSON object, at most 64 KiB
  std::optional<std::string> updated_at;  // absent until first written
};

struct UserSettingsPatch {
  std::optional<std::string> preferred_language;
  std::optional<std::string> summary_quality;
  std::optional<std::string> settings_json;
};

namespace user_settings {
Result<UserSettings> Get(Connection& conn, std::string_view user_id);
// kInvalidArgument when a value breaks a CHECK (not a JSON object, too long).
Result<UserSettings> Update(Connection& conn, std::string_view user_id, const UserSettingsPatch& patch);
}  // namespace user_settings

}  // namespace chorus::store
