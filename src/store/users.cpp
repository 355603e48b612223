#include "store/users.h"

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"

namespace chorus::store::users {
namespace {

constexpr const char* kColumns =
    "id, email, username, password_hash, first_name, last_name, avatar, is_active, is_verified, account_type, "
    "access_role, credits, metadata, last_login_at, last_seen_at, last_credit_refresh, created_at, updated_at";

User FromRow(Row r) {
  User u;
  u.id = r.Text(0);
  u.email = r.OptText(1);
  u.username = r.OptText(2);
  u.password_hash = r.OptText(3);
  u.first_name = r.OptText(4);
  u.last_name = r.OptText(5);
  u.avatar = r.OptText(6);
  u.is_active = r.Bool(7);
  u.is_verified = r.Bool(8);
  u.account_type = r.Text(9);
  u.access_role = r.Text(10);
  u.credits = r.Int(11);
  u.metadata = r.Text(12);
  u.last_login_at = r.OptText(13);
  u.last_seen_at = r.OptText(14);
  u.last_credit_refresh = r.OptText(15);
  u.created_at = r.Text(16);
  u.updated_at = r.Text(17);
  return u;
}

Result<User> One(Result<Rows> rows) {
  if (!rows) return Unexpected(std::move(rows).error());
  if (rows->empty()) return Unexpected(ErrorCode::kNotFound, "User not found.");
  return FromRow((*rows)[0]);
}

}  // namespace

Result<User> Create(Connection& conn, const NewUser& u) {
  return One(conn.Exec(std::string("INSERT INTO users (id, email, username, password_hash, account_type, access_role, "
                                   "credits, first_name, last_name, metadata) "
                                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ") +
                           kColumns,
                       NewUuidV7(), u.email, u.username, u.password_hash, u.account_type, u.access_role, u.credits,
                       u.first_name, u.last_name, u.metadata));
}

Result<User> Get(Connection& conn, std::string_view id) {
  if (!IsUuid(id)) return Unexpected(ErrorCode::kNotFound, "User not found.");
  return One(conn.Exec(std::string("SELECT ") + kColumns + " FROM users WHERE id = $1", id));
}

Result<User> FindByLogin(Connection& conn, std::string_view login) {
  return One(conn.Exec(std::string("SELECT ") + kColumns +
                           " FROM users WHERE lower(email) = lower($1) OR lower(username) = lower($1) LIMIT 1",
                       login));
}

Result<User> Update(Connection& conn, std::string_view id, const UserPatch& p) {
  if (!IsUuid(id)) return Unexpected(ErrorCode::kNotFound, "User not found.");
  Query q("UPDATE users SET ");
  q.Add("updated_at = ?", {NowTimestamp()});
  auto set = [&q](const char* fragment, const auto& field) {
    if (field) q.Add(fragment, {Value(*field)});
  };
  set(", email = ?", p.email);
  set(", username = ?", p.username);
  set(", password_hash = ?", p.password_hash);
  set(", first_name = ?", p.first_name);
  set(", last_name = ?", p.last_name);
  set(", avatar = ?", p.avatar);
  set(", is_active = ?", p.is_active);
  set(", is_verified = ?", p.is_verified);
  set(", account_type = ?", p.account_type);
  set(", access_role = ?", p.access_role);
  set(", metadata = ?", p.metadata);
  set(", last_login_at = ?", p.last_login_at);
  set(", last_seen_at = ?", p.last_seen_at);
  q.Add(" WHERE id = ?", {id}).Add(std::string(" RETURNING ") + kColumns);
  return One(q.Run(conn));
}

Status Delete(Connection& conn, std::string_view id) {
  if (!IsUuid(id)) return Unexpected(ErrorCode::kNotFound, "User not found.");
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("DELETE FROM users WHERE id = $1", id));
  if (rows.affected() == 0) return Unexpected(ErrorCode::kNotFound, "User not found.");
  return Ok();
}

Result<Page<User>> List(Connection& conn, const UserFilter& filter, const PageRequest& page) {
  Query q(std::string("SELECT ") + kColumns + " FROM users WHERE 1 = 1");
  if (filter.access_role) q.Add(" AND access_role = ?", {*filter.access_role});
  if (filter.is_active) q.Add(" AND is_active = ?", {*filter.is_active});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<User> items;
  for (Row r : rows) items.push_back(FromRow(r));
  return MakePage(std::move(items), limit, [](const User& u) { return Cursor{u.created_at, u.id}; });
}

Result<int64_t> AddCredits(Connection& conn, std::string_view id, int64_t delta) {
  if (!IsUuid(id)) return Unexpected(ErrorCode::kNotFound, "User not found.");
  auto rows = conn.Exec("UPDATE users SET credits = credits + $1 WHERE id = $2 RETURNING credits", delta, id);
  if (!rows) {
    if (rows.error().code == ErrorCode::kInvalidArgument) {
      return Unexpected(ErrorCode::kFailedPrecondition, "Not enough credits.");
    }
    return Unexpected(std::move(rows).error());
  }
  if (rows->empty()) return Unexpected(ErrorCode::kNotFound, "User not found.");
  return (*rows)[0].Int(0);
}

Result<int64_t> CountAdmins(Connection& conn) {
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("SELECT COUNT(*) FROM users WHERE access_role = 'admin' AND is_active"));
  return rows[0].Int(0);
}

}  // namespace chorus::store::users
