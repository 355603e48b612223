#include "store/conversations.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "base/ids.h"
#include "base/time.h"
#include "store/query.h"

namespace chorus::store {
namespace {

constexpr const char* kConversationColumns =
    "id, user_id, title, provider, model, system_prompt, context_window_size, metadata, created_at, updated_at";

constexpr const char* kMessageColumns =
    "id, conversation_id, role, content, token_count, metadata, provider_metadata, created_at";

Conversation ConversationFromRow(Row r) {
  Conversation c;
  c.id = r.Text(0);
  c.user_id = r.Text(1);
  c.title = r.OptText(2);
  c.provider = r.OptText(3);
  c.model = r.Text(4);
  c.system_prompt = r.OptText(5);
  c.context_window_size = r.Int(6);
  c.metadata = r.Text(7);
  c.created_at = r.Text(8);
  c.updated_at = r.Text(9);
  return c;
}

Message MessageFromRow(Row r) {
  Message m;
  m.id = r.Text(0);
  m.conversation_id = r.Text(1);
  m.role = r.Text(2);
  m.content = r.Text(3);
  m.token_count = r.OptInt(4);
  m.metadata = r.Text(5);
  m.provider_metadata = r.Text(6);
  m.created_at = r.Text(7);
  return m;
}

Unexpected ConversationNotFound() { return Unexpected(ErrorCode::kNotFound, "Conversation not found."); }

// NewUuidV7() increases per thread only, and appends reach the database from any BlockingPool
// thread. Message ids therefore come from one process-wide increasing sequence: an id that would
// not sort after the previous one becomes the previous one plus one (in its random tail), so two
// messages stamped with the same PostgreSQL millisecond still sort in the order they were made.
std::string NextMessageId() {
  static std::mutex mu;
  static std::string last;
  std::string id = NewUuidV7();
  std::lock_guard lock(mu);
  if (id <= last) {
    id = last;
    for (size_t i = id.size(); i-- > 0;) {
      if (id[i] == '-') continue;
      if (id[i] == 'f') {
        id[i] = '0';
        continue;
      }
      id[i] = id[i] == '9' ? 'a' : static_cast<char>(id[i] + 1);
      break;
    }
  }
  last = id;
  return id;
}

}  // namespace

namespace conversations {

Result<Conversation> Create(Connection& conn, std::string_view user_id, const NewConversation& c) {
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Exec(fmt::format("INSERT INTO conversations (id, user_id, title, provider, model, system_prompt, "
                            "context_window_size, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {}",
                            kConversationColumns),
                NewUuidV7(), user_id, c.title, c.provider, c.model, c.system_prompt, c.context_window_size,
                c.metadata));
  return ConversationFromRow(rows[0]);
}

namespace {

Result<Conversation> Select(Connection& conn, std::string_view user_id, std::string_view id, bool lock) {
  if (!IsUuid(id) || !IsUuid(user_id)) return ConversationNotFound();
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM conversations WHERE id = $1 AND user_id = $2{}",
                                       kConversationColumns,
                                       lock && conn.dialect() == Dialect::kPostgres ? " FOR UPDATE" : ""),
                           id, user_id));
  if (rows.empty()) return ConversationNotFound();
  return ConversationFromRow(rows[0]);
}

}  // namespace

Result<Conversation> Get(Connection& conn, std::string_view user_id, std::string_view id) {
  return Select(conn, user_id, id, false);
}

Result<Conversation> GetLocked(Connection& conn, std::string_view user_id, std::string_view id) {
  return Select(conn, user_id, id, true);
}

Result<Page<Conversation>> List(Connection& conn, std::string_view user_id, const PageRequest& page) {
  if (!IsUuid(user_id)) return Page<Conversation>{};
  Query q(fmt::format("SELECT {} FROM conversations WHERE ", kConversationColumns));
  q.Add("user_id = ?", {user_id});
  CHORUS_ASSIGN_OR_RETURN(const int limit, AddNewestFirstPage(q, page));
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<Conversation> items;
  for (Row r : rows) items.push_back(ConversationFromRow(r));
  return MakePage(std::move(items), limit, [](const Conversation& c) { return Cursor{c.created_at, c.id}; });
}

Status Delete(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return ConversationNotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows,
                          conn.Exec("DELETE FROM conversations WHERE id = $1 AND user_id = $2", id, user_id));
  if (rows.affected() == 0) return ConversationNotFound();
  return Ok();
}

Status Touch(Connection& conn, std::string_view user_id, std::string_view id) {
  if (!IsUuid(id) || !IsUuid(user_id)) return ConversationNotFound();
  CHORUS_ASSIGN_OR_RETURN(Rows rows, conn.Exec("UPDATE conversations SET updated_at = $1 WHERE id = $2 AND user_id = $3",
                                               NowTimestamp(), id, user_id));
  if (rows.affected() == 0) return ConversationNotFound();
  return Ok();
}

}  // namespace conversations

namespace messages {

Result<Message> Append(Connection& conn, std::string_view conversation_id, const NewMessage& m) {
  if (!IsUuid(conversation_id)) return Unexpected(ErrorCode::kFailedPrecondition, "Conversation not found.");
  // PostgreSQL stamps the time of the insert, not now(), which is the transaction's start: a
  // transaction that waited for the conversation's lock would stamp its message before the one
  // it waited for. (SQLite orders by seq.)
  const bool postgres = conn.dialect() == Dialect::kPostgres;
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("INSERT INTO messages (id, conversation_id, role, content, token_count, "
                                       "metadata, provider_metadata{}) VALUES ($1, $2, $3, $4, $5, $6, $7{}) RETURNING {}",
                                       postgres ? ", created_at" : "", postgres ? ", clock_timestamp()" : "",
                                       kMessageColumns),
                           NextMessageId(), conversation_id, m.role, m.content, m.token_count, m.metadata,
                           m.provider_metadata));
  return MessageFromRow(rows[0]);
}

Result<Page<Message>> List(Connection& conn, std::string_view conversation_id, const PageRequest& page) {
  if (!IsUuid(conversation_id)) return Page<Message>{};
  const int limit = ClampLimit(page.limit);
  const bool sqlite = conn.dialect() == Dialect::kSqlite;
  Query q(fmt::format("SELECT {} FROM messages WHERE ", kMessageColumns));
  q.Add("conversation_id = ?", {conversation_id});
  if (!page.after.empty()) {
    CHORUS_ASSIGN_OR_RETURN(Cursor cursor, DecodeCursor(page.after));
    // SQLite resumes after the cursor message's seq (unique index on id); should that message be
    // gone (an exchange withdrawn), after the last one made before it (ids increase with insertion:
    // NextMessageId). PostgreSQL resumes after its (created_at, id).
    if (sqlite) {
      q.Add(" AND seq > COALESCE((SELECT seq FROM messages WHERE id = ? AND conversation_id = ?), "
            "(SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ? AND id < ?))",
            {cursor.id, conversation_id, conversation_id, cursor.id});
    } else {
      q.Add(" AND (created_at, id) > (?, ?)", {cursor.created_at, cursor.id});
    }
  }
  q.Add(sqlite ? " ORDER BY seq LIMIT ?" : " ORDER BY created_at, id LIMIT ?", {limit + 1});
  CHORUS_ASSIGN_OR_RETURN(Rows rows, q.Run(conn));
  std::vector<Message> items;
  for (Row r : rows) items.push_back(MessageFromRow(r));
  return MakePage(std::move(items), limit, [](const Message& m) { return Cursor{m.created_at, m.id}; });
}

Result<std::vector<Message>> Recent(Connection& conn, std::string_view conversation_id, int limit) {
  std::vector<Message> out;
  if (limit <= 0 || !IsUuid(conversation_id)) return out;
  limit = std::min(limit, kMaxRecent);
  const char* order = conn.dialect() == Dialect::kSqlite ? "seq DESC" : "created_at DESC, id DESC";
  CHORUS_ASSIGN_OR_RETURN(
      Rows rows, conn.Exec(fmt::format("SELECT {} FROM messages WHERE conversation_id = $1 ORDER BY {} LIMIT $2",
                                       kMessageColumns, order),
                           conversation_id, limit));
  for (Row r : rows) out.push_back(MessageFromRow(r));
  std::reverse(out.begin(), out.end());
  return out;
}

Status Remove(Connection& conn, std::string_view conversation_id, std::string_view id) {
  if (!IsUuid(conversation_id) || !IsUuid(id)) return Ok();
  CHORUS_TRY(conn.Exec("DELETE FROM messages WHERE id = $1 AND conversation_id = $2", id, conversation_id));
  return Ok();
}

}  // namespace messages
}  // namespace chorus::store
