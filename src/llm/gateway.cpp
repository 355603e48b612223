// Routing, fallback and whole completions. Streams are relayed in gateway_stream.cpp.
#include "llm/gateway.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <ctime>

#include "base/random.h"
#include "llm/anthropic.h"
#include "llm/gateway_internal.h"
#include "llm/usage_scan.h"

namespace chorus::llm {
namespace {

namespace json = boost::json;
constexpr size_t kRefusalBytes = 64 * 1024;
constexpr std::string_view kAnthropicVersion = "2023-06-01";

Task<void> Pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

// The request as the deployment's provider takes it.
Result<std::string> UpstreamBody(const Deployment& d, json::object& body, bool stream) {
  if (d.kind == ProviderKind::kAnthropic) return anthropic::RequestFromOpenAi(body, d.upstream_model, stream);
  body["model"] = d.upstream_model;
  if (stream) {
    // Usage comes in a last chunk only when asked for; Chorus always asks (and hides the chunk from
    // clients that did not).
    json::value& options = body["stream_options"];
    if (!options.is_object()) options = json::object();
    options.get_object()["include_usage"] = true;
  }
  return json::serialize(body);
}

http::client::UpstreamRequest RequestFor(const Deployment& d, const std::string& key, std::string body) {
  http::client::UpstreamRequest request;
  request.body = std::move(body);
  request.headers.reserve(3);
  request.headers.emplace_back("Content-Type", "application/json");
  if (d.kind == ProviderKind::kAnthropic) {
    request.path = "/messages";
    request.headers.emplace_back("x-api-key", key);
    request.headers.emplace_back("anthropic-version", kAnthropicVersion);
  } else {
    request.path = "/chat/completions";
    if (!key.empty()) request.headers.emplace_back("Authorization", "Bearer " + key);
  }
  return request;
}

// OpenAI's error body for a provider's refusal of the caller's request: an OpenAI-compatible
// provider's own error object when it is one (a message, and a type when there is one), else one
// made from the status or Anthropic's message.
std::string RefusalBody(const Deployment& d, int status, std::string_view body) {
  std::string message;
  if (d.kind == ProviderKind::kOpenAi) {
    if (!OpenAiErrorMessage(body).empty()) return std::string(body);
    message = fmt::format("the provider answered {}", status);
  } else {
    message = anthropic::ErrorMessage(body);
  }
  return json::serialize(json::object{
      {"error", json::object{{"message", message}, {"type", "invalid_request_error"}, {"param", nullptr},
                             {"code", nullptr}}}});
}

// A provider's 4xx that is the caller's own doing — a request it cannot take — goes back to the
// caller as the provider said it. Every other answer but a 2xx is the deployment failing, and the
// next one is tried: credentials refused (401, 403; their bodies can quote the key, so they are
// never relayed), an account out of credit (402), a model the provider does not have (404), a
// timeout (408), rate limits (429), errors (5xx), redirects (not followed).
bool IsCallersMistake(int status) { return status == 400 || status == 413 || status == 415 || status == 422; }

Error DeploymentFailure(const Deployment& d, int status) {
  if (status == 401 || status == 403) {
    return {ErrorCode::kUpstream, fmt::format("provider '{}' refused the credentials it was called with ({})",
                                              d.provider, status), {}};
  }
  const ErrorCode code = status == 429   ? ErrorCode::kRateLimited
                         : status == 408 ? ErrorCode::kDeadlineExceeded
                                         : ErrorCode::kUpstream;
  return {code, fmt::format("provider '{}' answered {}", d.provider, status), {}};
}

// The status a failed call is recorded with: what the caller is answered (http::StatusFor).
int StatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kDeadlineExceeded: return 504;
    default: return 502;
  }
}

}  // namespace

// ChatOutcome::settle of a whole completion.
struct Gateway::Settle {
  Settle(Gateway& g, std::unique_ptr<Opened> o, const Usage& u) : gateway(g), opened(std::move(o)), usage(u) {}
  Settle(const Settle&) = delete;
  Settle& operator=(const Settle&) = delete;
  ~Settle() { gateway.Report(*opened->stream->state_, 200, usage); }

  Gateway& gateway;
  std::unique_ptr<Opened> opened;
  Usage usage;
};

Gateway::Gateway(const RegistryHolder& registry, const http::client::UpstreamClient& client, UserKeys* user_keys,
                 UsageSink& usage, GatewaySettings settings)
    : registry_(registry), client_(client), user_keys_(user_keys), usage_(usage), settings_(settings) {}

Gateway::~Gateway() = default;

void Gateway::Report(ChatStream::State& s, int status, const Usage& usage) {
  if (s.reported) return;
  s.reported = true;
  UsageRecord record;
  record.user_id = s.call.user_id;
  record.conversation_id = s.call.conversation_id;
  record.provider = s.deployment ? s.deployment->provider : "none";
  record.model = s.model;
  record.input_tokens = usage.input_tokens;
  record.output_tokens = usage.output_tokens;
  record.cost = s.deployment ? s.deployment->Cost(usage.input_tokens, usage.output_tokens) : 0;
  record.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s.start).count();
  record.status = status;
  usage_.Record(std::move(record));
}

Task<Result<std::unique_ptr<Gateway::Opened>>> Gateway::OpenAny(ChatCall call, ChatOutcome* whole) {
  const bool stream = whole == nullptr;
  // The state owns the call from here on: the body moves once, keeping the arena it was parsed into.
  auto state = std::unique_ptr<ChatStream::State>(new ChatStream::State{.call = std::move(call)});
  ChatCall& c = state->call;
  state->start = Clock::now();
  state->registry = registry_.Get();
  state->model = std::string(c.body.at("model").get_string());
  state->client_wants_usage = ClientWantsUsage(c.body);  // read before the body is changed for a provider
  const ModelRoute* route = state->registry->Find(state->model);
  if (!route) {
    co_return Unexpected(ErrorCode::kNotFound,
                         fmt::format("The model '{}' does not exist or you do not have access to it.", state->model),
                         "model");
  }
  auto order = Registry::AttemptOrder(*route, settings_.random ? settings_.random() : FastRandom());
  if (order.size() > static_cast<size_t>(settings_.max_attempts)) order.resize(static_cast<size_t>(settings_.max_attempts));
  http::client::UpstreamTimeouts timeouts = settings_.timeouts;
  if (!stream) timeouts.first_byte = settings_.answer_timeout;  // its headers come with the whole answer
  Error last{ErrorCode::kUpstream, "no deployment was tried", {}};
  std::optional<Error> untranslatable;  // why a deployment could not take the request
  int attempts = 0;
  for (const Deployment* deployment : order) {
    const Deployment& d = *deployment;
    auto body = UpstreamBody(d, c.body, stream);
    if (!body) {
      // A request this deployment's provider cannot take (Anthropic and n > 1, say): the next may.
      untranslatable = std::move(body).error();
      continue;
    }
    state->deployment = &d;
    if (attempts++ > 0) co_await Pause(settings_.fallback_backoff * (1 << (attempts - 2)));
    const http::client::Endpoint* endpoint = &d.endpoint;
    std::string key = d.api_key;
    std::optional<UserKey> own;
    if (user_keys_) {
      auto found = co_await user_keys_->Find(c.user_id, d.provider, c.trusted);
      if (!found) co_return Unexpected(std::move(found).error());
      own = std::move(*found);
    }
    if (own) {
      key = own->api_key;
      if (own->endpoint) endpoint = &*own->endpoint;
    }
    state->request_bytes = body->size();
    auto request = RequestFor(d, key, std::move(*body));
    auto sent = co_await client_.Send(*endpoint, request, timeouts);
    if (!sent) {
      last = std::move(sent).error();
      continue;
    }
    const int status = (*sent)->status();
    if (status >= 200 && status < 300) {
      state->response = std::move(*sent);
      if (whole) {
        // Nothing has reached the client yet: an answer that breaks off, stalls or is malformed is
        // this deployment failing like any other.
        // (Read here rather than in a coroutine of its own: a frame fewer per call.)
        auto answer = co_await state->response->ReadAll(settings_.max_response_bytes);
        Status read = answer ? ParseCompletion(d, state->model, std::move(*answer), c.collect_text, *whole)
                             : Status(Unexpected(std::move(answer).error()));
        if (!read) {
          *whole = ChatOutcome{};
          state->response.reset();
          last = std::move(read).error();
          continue;
        }
      }
      auto opened = std::make_unique<Opened>();
      opened->stream = std::make_unique<ChatStream>(*this, std::move(state));
      co_return opened;
    }
    if (!IsCallersMistake(status)) {
      last = DeploymentFailure(d, status);
      continue;
    }
    auto refusal = co_await (*sent)->ReadAll(kRefusalBytes);
    auto opened = std::make_unique<Opened>();
    opened->refused.emplace();
    opened->refused->status = status;
    opened->refused->body = RefusalBody(d, status, refusal ? std::string_view(*refusal) : std::string_view());
    opened->refused->provider = d.provider;
    Report(*state, opened->refused->status, Usage{});
    co_return opened;
  }
  if (attempts == 0 && untranslatable) co_return Unexpected(std::move(*untranslatable));
  // The caller hears the last failure as a gateway's: rate limited, timed out, or a bad gateway.
  const ErrorCode code = last.code == ErrorCode::kRateLimited || last.code == ErrorCode::kDeadlineExceeded
                             ? last.code
                             : ErrorCode::kUpstream;
  Report(*state, StatusOf(code), Usage{});
  co_return Unexpected(code,
                       fmt::format("every provider of model '{}' failed; the last: {}", state->model, last.message));
}

Task<Result<std::unique_ptr<Gateway::Opened>>> Gateway::Open(ChatCall call) {
  co_return co_await OpenAny(std::move(call), nullptr);
}

Task<Result<ChatOutcome>> Gateway::Complete(ChatCall call) {
  ChatOutcome outcome;
  auto opened = co_await OpenAny(std::move(call), &outcome);
  if (!opened) co_return Unexpected(std::move(opened).error());
  if ((*opened)->refused) co_return std::move(*(*opened)->refused);
  ChatStream::State& s = *(*opened)->stream->state_;
  outcome.provider = s.deployment->provider;
  // The provider's connection goes back to the pool now (a slow client must not hold it); the rest
  // waits until the answer is out.
  s.response.reset();
  outcome.settle = std::make_shared<Settle>(*this, std::move(*opened), outcome.usage);
  co_return outcome;
}

Status ParseCompletion(const Deployment& d, std::string_view model, std::string body, bool collect_text,
                       ChatOutcome& outcome) {
  std::string* text = collect_text ? &outcome.text : nullptr;
  if (d.kind == ProviderKind::kAnthropic) {
    auto translated = anthropic::ResponseToOpenAi(body, model, std::time(nullptr), &outcome.usage);
    if (!translated) return Unexpected(std::move(translated).error());
    body = std::move(*translated);
    Usage restated;  // the translation's usage is the one counted
    if (text) CHORUS_TRY(ScanCompletionUsage(body, restated, text));
  } else {
    // The body goes to the client as it came; only its usage (and text) is read.
    CHORUS_TRY(ScanCompletionUsage(body, outcome.usage, text));
  }
  outcome.body = std::move(body);
  return Ok();
}

std::string OpenAiErrorMessage(std::string_view body) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  const json::object* o = ec ? nullptr : parsed.if_object();
  const json::value* error = o ? o->if_contains("error") : nullptr;
  const json::value* message = error && error->is_object() ? error->get_object().if_contains("message") : nullptr;
  return message && message->is_string() ? std::string(message->get_string()) : std::string();
}

bool ClientWantsUsage(const json::object& body) {
  const json::value* options = body.if_contains("stream_options");
  if (!options || !options->is_object()) return false;
  const json::value* include = options->get_object().if_contains("include_usage");
  return include && include->is_bool() && include->get_bool();
}

}  // namespace chorus::llm
