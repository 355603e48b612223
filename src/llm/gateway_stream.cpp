// Relaying a provider's stream to the caller, event by event, as OpenAI chunks.
#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <vector>

#include "llm/anthropic.h"
#include "llm/gateway_internal.h"
#include "llm/sse_parser.h"
#include "llm/usage_scan.h"

namespace chorus::llm {
namespace {

namespace json = boost::json;

// The payload that ends an OpenAI stream.
constexpr std::string_view kDone = "[DONE]";

// What one provider stream has produced so far.
struct Relayed {
  std::vector<std::string> pending;  // payloads to send to the caller
  Usage usage;
  std::string text;
  int64_t chunks = 0;  // payloads sent to the caller
  bool done = false;
};

// OpenAI-compatible providers: payloads pass through untouched, except the usage chunk Chorus
// asked for on behalf of a client that did not.
class OpenAiEvents {
 public:
  OpenAiEvents(bool client_wants_usage, bool collect_text)
      : client_wants_usage_(client_wants_usage), collect_text_(collect_text) {}

  Status OnEvent(std::string_view data, Relayed& out) {
    if (data == kDone) {
      out.done = true;
      return Ok();
    }
    // Chunks that report no usage (most carry "usage": null) pass through as they came.
    const bool has_usage = MayReportUsage(data);
    if (!has_usage && !collect_text_) {
      out.pending.emplace_back(data);
      return Ok();
    }
    // The chunk's usage, whether it is the usage-only chunk, and its text when that is kept.
    Usage usage;
    bool no_choices = false;
    CHORUS_TRY(ScanChunkUsage(data, usage, no_choices, collect_text_ ? &out.text : nullptr));
    if (usage.reported) out.usage = usage;
    if (usage.reported && no_choices && !client_wants_usage_) return Ok();
    out.pending.emplace_back(data);
    return Ok();
  }

 private:
  const bool client_wants_usage_;
  const bool collect_text_;
};

std::string ErrorEvent(std::string_view message) {
  return json::serialize(json::object{
      {"error", json::object{{"message", message}, {"type", "server_error"}, {"param", nullptr}, {"code", "upstream_error"}}}});
}

}  // namespace

ChatStream::ChatStream(Gateway& gateway, std::unique_ptr<State> state) : gateway_(gateway), state_(std::move(state)) {}

Task<ChatOutcome> ChatStream::Relay(EventSink& sink) {
  State& s = *state_;
  const Deployment& d = *s.deployment;
  Relayed relayed;
  OpenAiEvents openai(s.client_wants_usage, s.call.collect_text);
  std::optional<anthropic::StreamTranslator> anthropic;
  if (d.kind == ProviderKind::kAnthropic) {
    anthropic.emplace(s.model, std::time(nullptr), s.client_wants_usage, s.call.collect_text ? &relayed.text : nullptr);
  }
  const size_t max_text = gateway_.settings_.max_response_bytes;
  SseParser parser;
  auto on_event = [&](std::string_view event, std::string_view data) -> Status {
    if (!anthropic) return openai.OnEvent(data, relayed);
    CHORUS_TRY(anthropic->OnEvent(event, data, relayed.pending));
    relayed.done = anthropic->done();
    return Ok();
  };

  std::optional<Error> failure;
  bool client_gone = false;
  const auto keepalive = gateway_.settings_.keepalive_interval;
  auto last_sent = std::chrono::steady_clock::now();
  while (!relayed.done && !failure && !client_gone) {
    auto piece = co_await s.response->Read();
    if (!piece) {
      failure = std::move(piece).error();
      break;
    }
    Status fed = Ok();
    if (!piece->empty()) {
      fed = parser.Feed(*piece, on_event);
    } else if (!anthropic && relayed.usage.reported) {
      // The body ended without [DONE], as some OpenAI-compatible servers end it, after the usage
      // chunk Chorus asked for, which comes last: nothing is missing.
      relayed.done = true;
    } else {
      failure = Error{ErrorCode::kUpstream, "the provider's stream ended early", {}};
      break;
    }
    if (!fed) failure = std::move(fed).error();
    if (!failure && relayed.text.size() > max_text) {  // kept for a conversation: bounded like a whole reply
      failure = Error{ErrorCode::kUpstream, fmt::format("the reply is longer than {} bytes", max_text), {}};
    }
    const bool last = relayed.done && !failure;
    if (last) relayed.pending.emplace_back(kDone);  // the end leaves with the last events
    if (!relayed.pending.empty()) {
      bool sent = false;  // (GCC 12: no co_await inside a condition or ?:, see base/async.h)
      if (last) {
        sent = co_await sink.End(relayed.pending);
      } else {
        sent = co_await sink.Send(relayed.pending);
      }
      client_gone = !sent;
      relayed.chunks += static_cast<int64_t>(relayed.pending.size());
      relayed.pending.clear();
      s.chunks_relayed = relayed.chunks;
      s.usage_so_far = relayed.usage;
      last_sent = std::chrono::steady_clock::now();
    } else if (const auto now = std::chrono::steady_clock::now(); now - last_sent >= keepalive) {
      const bool alive = co_await sink.KeepAlive();
      client_gone = !alive;
      last_sent = now;
    }
  }

  ChatOutcome outcome;
  outcome.provider = d.provider;
  if (anthropic) relayed.usage = anthropic->usage();
  outcome.usage = relayed.usage;
  outcome.text = std::move(relayed.text);
  if (client_gone) {
    s.response.reset();  // closes the upstream connection: the provider stops generating
    outcome.status = 499;
  } else if (failure) {
    s.response.reset();
    const std::string error[] = {ErrorEvent(failure->message)};
    co_await sink.End(error);
    outcome.status = 502;
  } else {
    // Let the connection go back to the pool when the end of the body is already on its way.
    s.response->set_idle_timeout(std::chrono::milliseconds(2));
    while (!s.response->done()) {
      auto rest = co_await s.response->Read();
      if (!rest || rest->empty()) break;
    }
    outcome.status = 200;
  }
  // The call is metered with the provider's count when it gave one for the whole stream; the
  // outcome keeps what the provider said (a conversation estimates its reply from the text).
  const bool counted = relayed.usage.reported && outcome.status == 200;
  gateway_.Report(s, outcome.status,
                  counted ? relayed.usage : EstimateStreamUsage(relayed.usage, s.request_bytes, relayed.chunks));
  co_return outcome;
}

ChatStream::~ChatStream() {
  // Opened but never relayed (the client went before the stream began; the provider has the
  // prompt), or dropped while relaying (the process stopping): metered from what was relayed.
  if (state_ && state_->deployment) {
    gateway_.Report(*state_, 499,
                    EstimateStreamUsage(state_->usage_so_far, state_->request_bytes, state_->chunks_relayed));
  }
}

Usage EstimateStreamUsage(Usage reported, size_t request_bytes, int64_t chunks) {
  Usage u = reported;
  if (u.input_tokens == 0) u.input_tokens = EstimateTokens(request_bytes);
  u.output_tokens = std::max(u.output_tokens, ClampTokens(chunks));
  return u;
}

}  // namespace chorus::llm
