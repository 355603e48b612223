// Conversations with a model (seeds 000 llm_conversations/llm_messages, 003 conversations/messages):
// each message is its own row; sending one stores it, calls the model with the conversation's
// history trimmed to its context window, and stores the reply with its token count.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/async.h"
#include "llm/gateway.h"
#include "services/caller.h"
#include "store/async_db.h"
#include "store/conversations.h"

namespace chorus::services {

struct ConversationInput {
  std::optional<std::string> title;
  std::string model;
  std::optional<std::string> system_prompt;
  std::optional<int64_t> context_window_size;
};

struct ExchangeResult {
  store::Message user_message;
  store::Message reply;
};

// A streamed reply in progress: relay it, then Finish stores the reply when it completed.
struct PendingReply {
  store::Conversation conversation;
  store::Message user_message;
  std::unique_ptr<llm::ChatStream> stream;
};

class ConversationService {
 public:
  ConversationService(store::AsyncDb& db, llm::Gateway& gateway) : db_(db), gateway_(gateway) {}

  // kInvalidArgument (param "model") for a model the gateway does not serve.
  Task<Result<store::Conversation>> Create(const Caller& caller, ConversationInput input);
  Task<Result<store::Conversation>> Get(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Conversation>>> List(const Caller& caller, store::PageRequest page);
  Task<Status> Delete(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Message>>> Messages(const Caller& caller, std::string id, store::PageRequest page);

  // Stores the user's message, asks the model, stores and returns its reply. An exchange is whole
  // or not at all: when the model fails (kUpstream / kDeadlineExceeded / kRateLimited) or refuses
  // the request (kInvalidArgument or kPayloadTooLarge, with the provider's message), the user's
  // message is withdrawn, so that sending it again does not repeat it.
  Task<Result<ExchangeResult>> Send(const Caller& caller, std::string id, std::string content);
  // The same, streamed: returns once the model started answering.
  Task<Result<PendingReply>> SendStreaming(const Caller& caller, std::string id, std::string content);
  // Stores a streamed reply that completed (`outcome.status == 200`); withdraws the user's message
  // of one that did not.
  Task<Result<store::Message>> Finish(const PendingReply& pending, const llm::ChatOutcome& outcome);

  // The messages that fit the window, newest kept: estimated at ~4 bytes a token unless counted.
  static std::vector<store::Message> Trim(std::vector<store::Message> history, int64_t window, size_t system_bytes);

 private:
  struct Prepared {
    store::Conversation conversation;
    store::Message user_message;
    llm::ChatCall call;
  };
  Task<Result<Prepared>> Prepare(const Caller& caller, std::string id, std::string content, bool stream);
  Task<Result<store::Message>> StoreReply(const store::Conversation& c, const llm::ChatOutcome& outcome);
  // Removes the user's message of an exchange that failed.
  Task<void> Withdraw(const store::Message& user_message);

  store::AsyncDb& db_;
  llm::Gateway& gateway_;
};

}  // namespace chorus::services
