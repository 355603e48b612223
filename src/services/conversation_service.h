// Conversations with a model (seeds 000 llm_conversations/llm_messages, 003 conversations/messages):
// each message is its own row; sending one stores it, calls the model with the conversation's
// history trimmed to its context window, and stores the reply with its token count.
#pragma once

#include <chrono>
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

class ConversationService;

// An exchange's hold on its conversation: while it lives, the conversation is touched (updated_at)
// every so often, the sign that the exchange is still running. Stops when destroyed.
class ExchangeHold {
 public:
  struct State;
  ExchangeHold() = default;
  explicit ExchangeHold(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ExchangeHold(ExchangeHold&&) noexcept = default;
  ExchangeHold& operator=(ExchangeHold&&) = delete;
  ~ExchangeHold();

 private:
  std::shared_ptr<State> state_;
};

// A streamed reply in progress: relay it, then Finish stores the reply when it completed. Dropped
// without Finish (its client gone before the stream began), it withdraws the user's message in the
// background (not when the process is stopping: then the exchange lease frees the conversation).
struct PendingReply {
  PendingReply(store::Conversation c, store::Message m, std::unique_ptr<llm::ChatStream> s, ExchangeHold h,
               ConversationService* owner)
      : conversation(std::move(c)), user_message(std::move(m)), stream(std::move(s)), hold(std::move(h)),
        unfinished(owner) {}
  PendingReply(PendingReply&& other) noexcept;
  PendingReply& operator=(PendingReply&&) = delete;
  ~PendingReply();

  store::Conversation conversation;
  store::Message user_message;
  std::unique_ptr<llm::ChatStream> stream;
  ExchangeHold hold;

 private:
  friend class ConversationService;
  ConversationService* unfinished;  // null once Finish took it over
};

class ConversationService {
 public:
  // An exchange holds its conversation until its reply is stored or withdrawn: it touches the
  // conversation every `heartbeat` while it runs, and a hold not renewed for `lease` has ended (an
  // exchange a stopped process cut short does not hold the conversation for good).
  ConversationService(store::AsyncDb& db, llm::Gateway& gateway,
                      std::chrono::milliseconds lease = std::chrono::minutes(2),
                      std::chrono::milliseconds heartbeat = std::chrono::seconds(30))
      : db_(db), gateway_(gateway), lease_(lease), heartbeat_(heartbeat) {}

  // kInvalidArgument (param "model") for a model the gateway does not serve.
  Task<Result<store::Conversation>> Create(const Caller& caller, ConversationInput input);
  Task<Result<store::Conversation>> Get(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Conversation>>> List(const Caller& caller, store::PageRequest page);
  Task<Status> Delete(const Caller& caller, std::string id);
  Task<Result<store::Page<store::Message>>> Messages(const Caller& caller, std::string id, store::PageRequest page);

  // Stores the user's message, asks the model, stores and returns its reply. An exchange is whole
  // or not at all: when the model fails (kUpstream / kDeadlineExceeded / kRateLimited) or refuses
  // the request (kInvalidArgument or kPayloadTooLarge, with the provider's message), the user's
  // message is withdrawn, so that sending it again does not repeat it; so it is when the reply
  // cannot be stored (kNotFound: the conversation was deleted meanwhile). One exchange at a time: a
  // message sent while the conversation's last one still waits for its reply is refused
  // (kConflict), so that every reply follows the message it answers.
  Task<Result<ExchangeResult>> Send(const Caller& caller, std::string id, std::string content);
  // The same, streamed: returns once the model started answering.
  Task<Result<PendingReply>> SendStreaming(const Caller& caller, std::string id, std::string content);
  // Stores a streamed reply that completed (`outcome.status == 200`); withdraws the user's message
  // of one that did not, or that could not be stored.
  Task<Result<store::Message>> Finish(PendingReply& pending, const llm::ChatOutcome& outcome);

  // The messages that fit the window, newest kept: estimated at ~4 bytes a token unless counted.
  static std::vector<store::Message> Trim(std::vector<store::Message> history, int64_t window, size_t system_bytes);

 private:
  struct Prepared {
    store::Conversation conversation;
    store::Message user_message;
    llm::ChatCall call;
    ExchangeHold hold;
  };
  Task<Result<Prepared>> Prepare(const Caller& caller, std::string id, std::string content, bool stream);
  Task<Result<store::Message>> StoreReply(const store::Conversation& c, const llm::ChatOutcome& outcome);
  // Removes the user's message of an exchange that failed.
  Task<void> Withdraw(const store::Message& user_message);
  // The same, in the background (from PendingReply's destructor).
  void WithdrawLater(const store::Message& user_message);
  // Starts touching the conversation every heartbeat_, on the calling coroutine's executor.
  Task<ExchangeHold> Hold(const store::Conversation& c);
  Task<void> Beat(std::shared_ptr<ExchangeHold::State> state, std::string user_id, std::string conversation_id);
  friend struct PendingReply;

  store::AsyncDb& db_;
  llm::Gateway& gateway_;
  const std::chrono::milliseconds lease_;
  const std::chrono::milliseconds heartbeat_;
};

}  // namespace chorus::services
