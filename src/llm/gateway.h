// The LLM gateway: routes an OpenAI-shaped chat request to one of the model's deployments, falls
// back to the next on a connection error, a timeout, a 429 or a 5xx (only before anything reached
// the caller), translates for Anthropic providers, relays streams event by event, and reports one
// usage record per call. The caller's own Chorus credentials never go upstream; a base URL from the
// request is never used.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/async.h"
#include "base/result.h"
#include "base/time.h"
#include "http/client/upstream.h"
#include "llm/registry.h"
#include "llm/usage.h"

namespace chorus::llm {

// A user's own key for a provider (seed 003 provider_configs), and their own base URL already
// checked by the outbound URL guard.
struct UserKey {
  std::string api_key;
  std::optional<http::client::Endpoint> endpoint;
};

class UserKeys {
 public:
  virtual ~UserKeys() = default;
  // The caller's active key for `provider`, if they stored one. `trusted` (administrators) skips
  // the URL guard for their own base URL. kPermissionDenied / kInvalidArgument when the stored
  // base URL does not pass the guard.
  virtual Task<Result<std::optional<UserKey>>> Find(const std::string& user_id, const std::string& provider,
                                                    bool trusted) = 0;
};

struct UsageRecord {
  std::string user_id;
  std::optional<std::string> conversation_id;
  std::string provider;
  std::string model;  // the name the caller used
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost = 0;
  int64_t latency_ms = 0;
  int status = 200;
  // When the call was answered: the row's created_at, and its day in usage_metrics.
  SystemTime at = std::chrono::system_clock::now();
};

class UsageSink {
 public:
  virtual ~UsageSink() = default;
  // Must not block: called on network threads.
  virtual void Record(UsageRecord record) = 0;
};

// Where a relayed stream goes: SSE `data:` payloads, in order. The events that one read of the
// provider's stream produced come in one call, so that they can leave in one write. False once the
// client has gone.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // False once the client is gone.
  virtual Task<bool> Send(std::span<const std::string> events) = 0;
  // The stream's last events: the last chunks with `[DONE]`, or the error event of a stream that
  // broke. (A sink may hold them back until it has done what the end calls for.)
  virtual Task<bool> End(std::span<const std::string> events) { return Send(events); }
  // Something for the client that is no event (an SSE comment): sent while the provider's stream
  // goes on without anything to relay (pings, a model's hidden thinking), so that proxies between
  // do not time the client out and a client that left is noticed.
  virtual Task<bool> KeepAlive() { co_return true; }
};

struct ChatCall {
  std::string user_id;
  bool trusted = false;  // an administrator: their own provider base URL skips the URL guard
  std::optional<std::string> conversation_id;
  boost::json::object body;  // an OpenAI chat request that passed ValidateChatRequest
  bool collect_text = false;  // keep the assistant's text (conversations store it)
};

struct ChatOutcome {
  int status = 200;
  std::string body;  // the OpenAI-shaped response or error (empty for a relayed stream)
  Usage usage;
  std::string text;  // the assistant's text when collect_text
  std::string provider;
  // What is left of a whole completion once its answer is out: its usage row and the release of
  // its state (the parsed request, the provider's response, its connection back to the pool).
  // Done when the last copy is released: hand it to what outlives the answer's delivery (an HTTP
  // response keeps it until written), so that the client does not wait for it. It refers to the
  // Gateway: release it before the Gateway goes.
  std::shared_ptr<void> settle;
};

struct GatewaySettings {
  http::client::UpstreamTimeouts timeouts;  // timeouts.first_byte is a stream's
  // In place of timeouts.first_byte for a whole answer, whose headers come only once it is written.
  std::chrono::milliseconds answer_timeout{600000};
  size_t max_response_bytes = 16 * 1024 * 1024;
  int max_attempts = 3;
  std::chrono::milliseconds fallback_backoff{50};
  // How long a stream's client may go without anything before it gets a keep-alive (EventSink).
  std::chrono::milliseconds keepalive_interval{15000};
  // Draws the first deployment by weight (tests fix it to make the order deterministic).
  uint64_t (*random)() = nullptr;  // nullptr: FastRandom
};

class Gateway;

class ChatStream {
 public:
  struct State;
  ChatStream(Gateway& gateway, std::unique_ptr<State> state);
  ~ChatStream();  // a stream never relayed (its client gone first) is recorded as 499 then
  // Relays the upstream's events to `sink` as OpenAI chunks, then `[DONE]`; an upstream failure
  // after the first byte becomes a final `{"error":…}` event (never a retry). Records usage: the
  // provider's, or for a stream cut short before the provider counted it, an estimate.
  Task<ChatOutcome> Relay(EventSink& sink);

 private:
  friend class Gateway;
  Gateway& gateway_;
  std::unique_ptr<State> state_;
};

class Gateway {
 public:
  Gateway(const RegistryHolder& registry, const http::client::UpstreamClient& client, UserKeys* user_keys,
          UsageSink& usage, GatewaySettings settings);
  ~Gateway();

  // A whole (non-streamed) completion. An upstream's refusal of the request (4xx) is an outcome
  // with its status and an OpenAI-shaped error body; errors are kNotFound (param "model"),
  // kRateLimited / kDeadlineExceeded / kUpstream when every deployment failed.
  Task<Result<ChatOutcome>> Complete(ChatCall call);

  // Opens a stream: returns once a deployment answered 2xx (after any fallbacks), so the caller
  // can still send a proper error status when none did. A refusal comes back as an outcome.
  struct Opened;
  Task<Result<std::unique_ptr<Opened>>> Open(ChatCall call);

  // The models callers may use.
  std::shared_ptr<const Registry> registry() const { return registry_.Get(); }

 private:
  friend class ChatStream;
  struct Settle;
  // Tries the deployments in turn until one answers. For a whole completion (`whole` set) that
  // includes its body, read and parsed into `whole`; for a stream, its head.
  Task<Result<std::unique_ptr<Opened>>> OpenAny(ChatCall call, ChatOutcome* whole);
  // Hands the call's one usage record to the usage sink; later reports of the same call are ignored.
  void Report(ChatStream::State& state, int status, const Usage& usage);

  const RegistryHolder& registry_;
  const http::client::UpstreamClient& client_;
  UserKeys* user_keys_;
  UsageSink& usage_;
  const GatewaySettings settings_;
};

// An opened upstream stream, or the upstream's refusal of the request.
struct Gateway::Opened {
  std::optional<ChatOutcome> refused;  // set when the provider refused the caller's request (400, 413, 415, 422)
  std::unique_ptr<ChatStream> stream;  // set otherwise
};


// The message of an error in OpenAI's shape ({"error": {"message": …}}); empty when `body` is not one.
std::string OpenAiErrorMessage(std::string_view body);

// Checks the fields Chorus relies on and the types of the common ones (OpenAI's rules); everything
// else passes through to the provider. kInvalidArgument with param naming the field.
Status ValidateChatRequest(const boost::json::object& body);

}  // namespace chorus::llm
