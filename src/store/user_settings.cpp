#include "store/user_settings.h"

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"

namespace chorus::store::user_settings {
namespace {

constexpr const char* kColumns = "user_id, preferred_language, summary_quality, settings_json, updated_at";

UserSettings FromRow(Row r) { return UserSettings{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.OptText(4)}; }

}  // namespace

Result<UserSettings> Get(Connection& conn, std::string_view user_id) {
  UserSettings defaults;
  defaults.user_id = std::string(user_id);
  if (!IsUuid(user_id)) return defaults;
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec(std::string("SELECT ") + kColumns +
                                                   " FROM user_settings WHERE user_id = $1",
                                               user_id));
  if (rows.empty()) return defaults;
  return FromRow(rows[0]);
}

Result<UserSettings> Update(Connection& conn, std::string_view user_id, const UserSettingsPatch& p) {
  // Insert the defaults if the row is missing, then apply the patch: one code path for both.
  CHORUS_TRY(conn.Exec("INSERT INTO user_settings (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING", user_id));
  Query q("UPDATE user_settings SET ");
  q.Add("updated_at = ?", {NowTimestamp()});
  if (p.preferred_language) q.Add(", preferred_language = ?", {*p.preferred_language});
  if (p.summary_quality) q.Add(", summary_quality = ?", {*p.summary_quality});
  if (p.settings_json) q.Add(", settings_json = ?", {*p.settings_json});
  q.Add(" WHERE user_id = ?", {user_id}).Add(std::string(" RETURNING ") + kColumns);
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  if (rows.empty()) return Unexpected(ErrorCode::kNotFound, "User not found.");
  return FromRow(rows[0]);
}

}  // namespace chorus::store::user_settings
