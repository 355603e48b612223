// Chat history (seed 003's conversations and messages, seed 000's llm_* tables): a user's
// conversations and, per conversation, its messages in chat order.
//
// conversations:: functions take the user id and refuse another user's rows (kNotFound, like a
// missing one). messages:: functions address a conversation by id alone: the caller checks that the
// conversation is the user's with conversations::Get first.
//
// Message order is insertion order, also for messages appended within one millisecond: SQLite orders
// by the table's `seq` rowid; PostgreSQL by (created_at, id), where message ids come from one
// process-wide increasing sequence of UUIDv7s (base/ids.h makes them increase per thread only).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.h"
#include "store/page.h"

namespace chorus::store {

struct Conversation {
  std::string id;
  std::string user_id;
  std::optional<std::string> title;
  std::optional<std::string> provider;
  std::string model;
  std::optional<std::string> system_prompt;
  int64_t context_window_size = 8192;
  std::string metadata = "{}";
  std::string created_at;
  std::string updated_at;
};

struct NewConversation {
  std::optional<std::string> title;     // at most 500 characters
  std::optional<std::string> provider;  // at most 50
  std::string model;                    // 1-100 characters
  std::optional<std::string> system_prompt;
  int64_t context_window_size = 8192;   // > 0
  std::string metadata = "{}";          // a JSON value
};

struct Message {
  std::string id;
  std::string conversation_id;
  std::string role;  // user | assistant | system | tool
  std::string content;
  std::optional<int64_t> token_count;
  std::string metadata = "{}";
  std::string provider_metadata = "{}";
  std::string created_at;
};

struct NewMessage {
  std::string role;
  std::string content;
  std::optional<int64_t> token_count;  // >= 0
  std::string metadata = "{}";
  std::string provider_metadata = "{}";
};

namespace conversations {

// kInvalidArgument for values the schema refuses (empty model, long title, window <= 0, bad JSON).
Result<Conversation> Create(Connection& conn, std::string_view user_id, const NewConversation& c);
// kNotFound when it is not the user's (or `id` is not an id).
Result<Conversation> Get(Connection& conn, std::string_view user_id, std::string_view id);
// Get, holding the conversation until the transaction ends, so that writers that lock it one after
// another each see what the one before wrote (PostgreSQL: SELECT … FOR UPDATE; SQLite's write
// transactions are serial already). Call inside a write transaction.
Result<Conversation> GetLocked(Connection& conn, std::string_view user_id, std::string_view id);
// The user's conversations, newest first (keyset, store/page.h).
Result<Page<Conversation>> List(Connection& conn, std::string_view user_id, const PageRequest& page);
// Deletes the conversation and, by cascade, its messages; its usage logs stay, without it (0014).
// kNotFound when not the user's.
Status Delete(Connection& conn, std::string_view user_id, std::string_view id);
// Sets updated_at to now (after a new message, say). kNotFound when not the user's.
Status Touch(Connection& conn, std::string_view user_id, std::string_view id);

}  // namespace conversations

namespace messages {

// Appends to the conversation. kFailedPrecondition when the conversation does not exist;
// kInvalidArgument for an unknown role, a negative token count or bad JSON.
Result<Message> Append(Connection& conn, std::string_view conversation_id, const NewMessage& m);
// The conversation's messages, oldest first (chat order), in keyset pages. A page resumes after its
// cursor's message, or, should that message have been removed meanwhile, where it stood.
Result<Page<Message>> List(Connection& conn, std::string_view conversation_id, const PageRequest& page);

inline constexpr int kMaxRecent = 1000;
// The last `limit` messages (at most kMaxRecent), oldest first: the tail of the chat that goes to
// the model as context. Empty for limit <= 0.
Result<std::vector<Message>> Recent(Connection& conn, std::string_view conversation_id, int limit);

// Removes one message of the conversation (none when it is not there).
Status Remove(Connection& conn, std::string_view conversation_id, std::string_view id);

}  // namespace messages
}  // namespace chorus::store
