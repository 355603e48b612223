#include "services/conversation_service.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "store/transaction.h"

namespace chorus::services {
namespace {

namespace json = boost::json;
using store::Connection;

constexpr int kHistoryRows = 200;        // messages read to build the context
constexpr size_t kMaxContentBytes = 256 * 1024;

constexpr int64_t kTokensPerMessage = 4;  // a message's role and framing, as OpenAI counts them

// What a message takes of the context window: its stored count (the provider's for replies), or
// an estimate from its text.
int64_t TokensOf(const store::Message& m) {
  return m.token_count.value_or(llm::EstimateTokens(m.content.size())) + kTokensPerMessage;
}

// A provider's refusal of the request (its 400, 413, 415 or 422, in OpenAI's error shape) as the
// caller's error, with the provider's own words.
Status Refusal(const llm::ChatOutcome& refused) {
  const std::string said = llm::OpenAiErrorMessage(refused.body);
  return Unexpected(refused.status == 413 ? ErrorCode::kPayloadTooLarge : ErrorCode::kInvalidArgument,
                    fmt::format("the model refused the request ({}){}{}", refused.status, said.empty() ? "" : ": ", said));
}

// A conversation whose newest message is the user's is waiting for its reply while the exchange
// that sent it keeps touching the conversation (ExchangeHold): that exchange still holds it.
bool AwaitsReply(const store::Conversation& c, const std::vector<store::Message>& history,
                 std::chrono::milliseconds lease) {
  if (history.empty() || history.back().role != "user") return false;
  const auto touched = ParseTimestamp(c.updated_at);
  return touched && *touched > std::chrono::system_clock::now() - lease;
}

}  // namespace

struct ExchangeHold::State {
  explicit State(const boost::asio::any_io_executor& executor) : timer(executor) {}
  boost::asio::steady_timer timer;
  bool stopped = false;
};

// Runs on the executor the hold was made on, as does the heartbeat it stops.
ExchangeHold::~ExchangeHold() {
  if (!state_) return;
  state_->stopped = true;
  state_->timer.cancel();
}

PendingReply::PendingReply(PendingReply&& other) noexcept
    : conversation(std::move(other.conversation)),
      user_message(std::move(other.user_message)),
      stream(std::move(other.stream)),
      hold(std::move(other.hold)),
      unfinished(std::exchange(other.unfinished, nullptr)) {}

PendingReply::~PendingReply() {
  if (unfinished) unfinished->WithdrawLater(user_message);
}

std::vector<store::Message> ConversationService::Trim(std::vector<store::Message> history, int64_t window,
                                                      size_t system_bytes) {
  // Room for the reply: a quarter of the window, at least 256 tokens.
  int64_t budget = window - std::max<int64_t>(256, window / 4) - llm::EstimateTokens(system_bytes) - kTokensPerMessage;
  size_t keep = 0;
  for (size_t i = history.size(); i > 0; --i) {
    const int64_t cost = TokensOf(history[i - 1]);
    if (keep > 0 && cost > budget) break;  // the newest message always goes
    budget -= cost;
    ++keep;
  }
  history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(keep));
  return history;
}

Task<Result<store::Conversation>> ConversationService::Create(const Caller& caller, ConversationInput input) {
  if (!gateway_.registry()->Find(input.model)) {
    co_return Unexpected(ErrorCode::kInvalidArgument, fmt::format("The model '{}' is not served here.", input.model),
                         "model");
  }
  if (input.context_window_size && (*input.context_window_size < 512 || *input.context_window_size > 10'000'000)) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "context_window_size must be 512 to 10000000 tokens.",
                         "context_window_size");
  }
  store::NewConversation c{.title = input.title, .model = input.model, .system_prompt = input.system_prompt,
                           .context_window_size = input.context_window_size.value_or(8192)};
  co_return co_await db_.Write([&](Connection& conn) { return store::conversations::Create(conn, caller.user_id, c); });
}

Task<Result<store::Conversation>> ConversationService::Get(const Caller& caller, std::string id) {
  co_return co_await db_.Read([&](Connection& conn) { return store::conversations::Get(conn, caller.user_id, id); });
}

Task<Result<store::Page<store::Conversation>>> ConversationService::List(const Caller& caller, store::PageRequest page) {
  co_return co_await db_.Read([&](Connection& conn) { return store::conversations::List(conn, caller.user_id, page); });
}

Task<Status> ConversationService::Delete(const Caller& caller, std::string id) {
  co_return co_await db_.Write([&](Connection& conn) { return store::conversations::Delete(conn, caller.user_id, id); });
}

Task<Result<store::Page<store::Message>>> ConversationService::Messages(const Caller& caller, std::string id,
                                                                        store::PageRequest page) {
  co_return co_await db_.Read([&](Connection& conn) -> Result<store::Page<store::Message>> {
    CHORUS_TRY(store::conversations::Get(conn, caller.user_id, id));
    return store::messages::List(conn, id, page);
  });
}

Task<Result<ConversationService::Prepared>> ConversationService::Prepare(const Caller& caller, std::string id,
                                                                         std::string content, bool stream) {
  if (content.empty() || content.size() > kMaxContentBytes) {
    co_return Unexpected(ErrorCode::kInvalidArgument, "content must be 1 byte to 256 KiB.", "content");
  }
  struct Loaded {
    store::Conversation conversation;
    store::Message user_message;
    std::vector<store::Message> history;
  };
  auto loaded = co_await db_.Write([&](Connection& conn) -> Result<Loaded> {
    Loaded l;
    // Locked, so that of two messages sent at once the second sees the first waiting for its reply.
    CHORUS_ASSIGN_OR_RETURN(l.conversation, store::conversations::GetLocked(conn, caller.user_id, id));
    CHORUS_ASSIGN_OR_RETURN(l.history, store::messages::Recent(conn, id, kHistoryRows));
    if (AwaitsReply(l.conversation, l.history, lease_)) {
      return Unexpected(ErrorCode::kConflict,
                        "The model is still answering this conversation's last message; send the next one once "
                        "its reply is stored.");
    }
    store::NewMessage m{.role = "user", .content = content, .token_count = llm::EstimateTokens(content.size())};
    CHORUS_ASSIGN_OR_RETURN(l.user_message, store::messages::Append(conn, id, m));
    CHORUS_TRY(store::conversations::Touch(conn, caller.user_id, id));  // the hold begins
    if (l.history.size() == kHistoryRows) l.history.erase(l.history.begin());
    l.history.push_back(l.user_message);
    return l;
  });
  if (!loaded) co_return Unexpected(std::move(loaded).error());
  const auto& c = loaded->conversation;
  const size_t system_bytes = c.system_prompt ? c.system_prompt->size() : 0;
  json::array messages;
  if (c.system_prompt && !c.system_prompt->empty()) {
    messages.push_back(json::object{{"role", "system"}, {"content", *c.system_prompt}});
  }
  for (const auto& m : Trim(std::move(loaded->history), c.context_window_size, system_bytes)) {
    messages.push_back(json::object{{"role", m.role}, {"content", m.content}});
  }
  ExchangeHold hold = co_await Hold(c);  // (GCC 12: awaited apart from the braces, see base/async.h)
  Prepared p{.conversation = c, .user_message = std::move(loaded->user_message), .hold = std::move(hold)};
  p.call.user_id = caller.user_id;
  p.call.trusted = caller.is_admin();
  p.call.conversation_id = c.id;
  p.call.collect_text = true;
  p.call.body = json::object{{"model", c.model}, {"messages", std::move(messages)}};
  if (stream) p.call.body["stream"] = true;
  co_return p;
}

Task<Result<store::Message>> ConversationService::StoreReply(const store::Conversation& c,
                                                             const llm::ChatOutcome& outcome) {
  // What the reply takes of later contexts: its text, not the hidden reasoning that produced it.
  const int64_t tokens = outcome.usage.reported
                             ? std::max<int64_t>(0, outcome.usage.output_tokens - outcome.usage.reasoning_tokens)
                             : llm::EstimateTokens(outcome.text.size());
  json::object metadata{{"provider", outcome.provider}, {"model", c.model}, {"input_tokens", outcome.usage.input_tokens},
                        {"output_tokens", outcome.usage.output_tokens}};
  if (outcome.usage.reasoning_tokens > 0) metadata["reasoning_tokens"] = outcome.usage.reasoning_tokens;
  const std::string provider_metadata = json::serialize(metadata);
  store::NewMessage reply{.role = "assistant", .content = outcome.text, .token_count = tokens,
                          .provider_metadata = provider_metadata};
  co_return co_await db_.Write([&](Connection& conn) -> Result<store::Message> {
    auto stored = store::messages::Append(conn, c.id, reply);
    if (!stored && stored.error().code == ErrorCode::kFailedPrecondition) {
      return Unexpected(ErrorCode::kNotFound, "Conversation not found.");  // deleted while the model answered
    }
    if (!stored) return stored;
    CHORUS_TRY(store::conversations::Touch(conn, c.user_id, c.id));
    return stored;
  });
}

Task<Result<ExchangeResult>> ConversationService::Send(const Caller& caller, std::string id, std::string content) {
  auto prepared = co_await Prepare(caller, std::move(id), std::move(content), false);
  if (!prepared) co_return Unexpected(std::move(prepared).error());
  auto outcome = co_await gateway_.Complete(std::move(prepared->call));
  Status answered = outcome ? (outcome->status == 200 ? Ok() : Refusal(*outcome)) : Status(Unexpected(outcome.error()));
  if (!answered) {
    co_await Withdraw(prepared->user_message);
    co_return Unexpected(std::move(answered).error());
  }
  auto reply = co_await StoreReply(prepared->conversation, *outcome);
  if (!reply) {
    co_await Withdraw(prepared->user_message);
    co_return Unexpected(std::move(reply).error());
  }
  co_return ExchangeResult{std::move(prepared->user_message), std::move(*reply)};
}

Task<Result<PendingReply>> ConversationService::SendStreaming(const Caller& caller, std::string id,
                                                              std::string content) {
  auto prepared = co_await Prepare(caller, std::move(id), std::move(content), true);
  if (!prepared) co_return Unexpected(std::move(prepared).error());
  auto opened = co_await gateway_.Open(std::move(prepared->call));
  Status answered = opened ? ((*opened)->refused ? Refusal(*(*opened)->refused) : Ok())
                           : Status(Unexpected(opened.error()));
  if (!answered) {
    co_await Withdraw(prepared->user_message);
    co_return Unexpected(std::move(answered).error());
  }
  co_return PendingReply(std::move(prepared->conversation), std::move(prepared->user_message),
                         std::move((*opened)->stream), std::move(prepared->hold), this);
}

Task<Result<store::Message>> ConversationService::Finish(PendingReply& pending, const llm::ChatOutcome& outcome) {
  pending.unfinished = nullptr;
  if (outcome.status != 200) {
    co_await Withdraw(pending.user_message);
    co_return Unexpected(ErrorCode::kUpstream, "the reply did not complete");
  }
  auto reply = co_await StoreReply(pending.conversation, outcome);
  if (!reply) {
    // The client has the whole reply already; the conversation does not keep half the exchange.
    log::Warn("a streamed reply was not stored",
              {{"conversation_id", pending.conversation.id}, {"error", reply.error().message}});
    co_await Withdraw(pending.user_message);
  }
  co_return reply;
}

Task<void> ConversationService::Withdraw(const store::Message& user_message) {
  auto removed = co_await db_.Write(
      [&](Connection& conn) { return store::messages::Remove(conn, user_message.conversation_id, user_message.id); });
  if (!removed) {
    log::Warn("a failed exchange's message was not withdrawn",
              {{"conversation_id", user_message.conversation_id}, {"error", removed.error().message}});
  }
}

Task<ExchangeHold> ConversationService::Hold(const store::Conversation& c) {
  auto executor = co_await boost::asio::this_coro::executor;
  auto state = std::make_shared<ExchangeHold::State>(executor);
  boost::asio::co_spawn(executor, Beat(state, c.user_id, c.id), boost::asio::detached);
  co_return ExchangeHold(std::move(state));
}

Task<void> ConversationService::Beat(std::shared_ptr<ExchangeHold::State> state, std::string user_id,
                                     std::string conversation_id) {
  for (;;) {
    state->timer.expires_after(heartbeat_);
    (void)co_await state->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (state->stopped) co_return;  // cancelled (or woken just as the exchange ended)
    auto touched = co_await db_.Write(
        [&](Connection& conn) { return store::conversations::Touch(conn, user_id, conversation_id); });
    if (state->stopped || (!touched && touched.error().code == ErrorCode::kNotFound)) co_return;
  }
}

void ConversationService::WithdrawLater(const store::Message& user_message) {
  db_.pool().Post([&db = db_.database(), conversation = user_message.conversation_id, id = user_message.id] {
    auto removed = store::Transact(db, store::Access::kWrite,
                                   [&](Connection& conn) { return store::messages::Remove(conn, conversation, id); });
    if (!removed) {
      log::Warn("a dropped exchange's message was not withdrawn",
                {{"conversation_id", conversation}, {"error", removed.error().message}});
    }
  });
}

}  // namespace chorus::services
