// The fake LLM's server, settings, records and the behaviour both dialects share (see fake_llm.h).
#include "tests/support/fake_llm.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "base/strings.h"
#include "http/dispatcher.h"
#include "http/server.h"
#include "http/sse.h"

namespace chorus::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// How often sleeping requests look at the stopping flag.
constexpr std::chrono::milliseconds kSlice{10};
constexpr std::chrono::milliseconds kForever = std::chrono::hours(24 * 365);
constexpr size_t kEndlessPiece = 64 * 1024;
constexpr std::string_view kEndlessPrefix = R"({"id":"endless","object":"chat.completion","padding":")";
constexpr std::string_view kMalformed = R"({"id": broken)";

}  // namespace

std::string FakeLlm::RecordedRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (IEquals(key, name)) return value;
  }
  return {};
}

FakeLlm::FakeLlm(Kind kind, uint16_t port) : kind_(kind), router_(std::make_unique<http::Router>()) {
  const bool openai = kind_ == Kind::kOpenAi;
  http::Route chat{http::Method::kPost, openai ? "/v1/chat/completions" : "/v1/messages", http::Access::kPublic,
                   [this, openai](http::Request& r) { return openai ? OpenAiChat(r) : AnthropicMessages(r); },
                   "fake completion", "inference"};
  http::Route models{http::Method::kGet, "/v1/models", http::Access::kPublic,
                     [this](http::Request& r) { return Models(r); }, "fake model list", ""};
  if (!router_->Add(std::move(chat)) || !router_->Add(std::move(models))) {
    throw std::runtime_error("fake_llm: cannot add the routes");
  }
  if (openai && (!router_->Add({http::Method::kPost, "/v1/audio/transcriptions", http::Access::kPublic,
                                [this](http::Request& r) { return OpenAiTranscription(r); }, "fake transcription",
                                "inference"}) ||
                 !router_->Add({http::Method::kPost, "/v1/audio/speech", http::Access::kPublic,
                                [this](http::Request& r) { return OpenAiSpeech(r); }, "fake speech", "inference"}))) {
    throw std::runtime_error("fake_llm: cannot add the routes");
  }
  metrics_ = std::make_unique<http::HttpMetrics>(*router_);
  dispatcher_ = std::make_unique<http::Dispatcher>(*router_, *metrics_, http::DispatcherSettings{.access_log = false});
  server_ = std::make_unique<http::Server>(
      http::ServerSettings{.port = port, .shutdown_grace = std::chrono::seconds(2), .handle_signals = false},
      *dispatcher_);
  if (auto listening = server_->Listen(); !listening) {
    throw std::runtime_error("fake_llm: cannot listen on port " + std::to_string(port) + ": " +
                             listening.error().message);
  }
  thread_ = std::thread([this] { server_->Run(); });
}

FakeLlm::~FakeLlm() {
  stopping_.store(true);
  server_->RequestShutdown();
  thread_.join();
}

uint16_t FakeLlm::port() const { return server_->port(); }

std::string FakeLlm::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }

void FakeLlm::SetMode(Mode mode) {
  std::lock_guard lock(mu_);
  config_.mode = mode;
}

void FakeLlm::SetReply(std::string text) {
  std::lock_guard lock(mu_);
  config_.reply = std::move(text);
}

void FakeLlm::SetChunks(int n) {
  std::lock_guard lock(mu_);
  config_.chunks = std::max(1, n);
}

void FakeLlm::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  config_.delay = std::max(std::chrono::milliseconds(0), delay);
}

void FakeLlm::SetBurst(bool burst) {
  std::lock_guard lock(mu_);
  config_.burst = burst;
}

void FakeLlm::SetNoDone(bool no_done) {
  std::lock_guard lock(mu_);
  config_.no_done = no_done;
}

void FakeLlm::SetUsage(int prompt_tokens, int completion_tokens) {
  std::lock_guard lock(mu_);
  config_.prompt_tokens = prompt_tokens;
  config_.completion_tokens = completion_tokens;
}

void FakeLlm::SetReasoningTokens(int reasoning_tokens) {
  std::lock_guard lock(mu_);
  config_.reasoning_tokens = reasoning_tokens;
}

void FakeLlm::SetModels(std::vector<std::string> ids) {
  std::lock_guard lock(mu_);
  config_.models = std::move(ids);
}

void FakeLlm::SetRefusal(int status, std::string body) {
  std::lock_guard lock(mu_);
  config_.refusal_status = status;
  config_.refusal_body = std::move(body);
}

bool FakeLlm::WaitForRequests(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.load() >= n; });
}

std::optional<FakeLlm::RecordedRequest> FakeLlm::LastRequest() const {
  std::lock_guard lock(mu_);
  return last_;
}

bool FakeLlm::WaitForClientGone(int n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return client_gone_.load() >= n; });
}

FakeLlm::Config FakeLlm::Snapshot() const {
  std::lock_guard lock(mu_);
  return config_;
}

int FakeLlm::Record(const http::Request& request) {
  RecordedRequest recorded;
  recorded.method = std::string(http::MethodName(request.method()));
  recorded.path = std::string(request.path());
  recorded.authorization = std::string(request.Header("Authorization"));
  recorded.x_api_key = std::string(request.Header("x-api-key"));
  recorded.anthropic_version = std::string(request.Header("anthropic-version"));
  for (const auto& [name, value] : request.headers()) recorded.headers.emplace_back(name, value);
  recorded.body = request.body();
  int n = 0;
  {
    std::lock_guard lock(mu_);
    last_ = std::move(recorded);
    n = requests_.fetch_add(1) + 1;
  }
  changed_.notify_all();
  return n;
}

void FakeLlm::NoteClientGone() {
  {
    std::lock_guard lock(mu_);
    client_gone_.fetch_add(1);
  }
  changed_.notify_all();
}

std::optional<http::Response> FakeLlm::Unauthorized(const http::Request& request) const {
  if (kind_ != Kind::kAnthropic) return std::nullopt;
  if (request.Header("x-api-key").empty()) {
    return ProviderError(401, "authentication_error", "x-api-key header is required");
  }
  if (request.Header("anthropic-version").empty()) {
    return ProviderError(401, "authentication_error", "anthropic-version header is required");
  }
  return std::nullopt;
}

Task<void> FakeLlm::Sleep(std::chrono::milliseconds delay) const {
  if (delay.count() <= 0) co_return;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  const auto deadline = Clock::now() + delay;
  while (!stopping()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    timer.expires_after(std::min<Clock::duration>(deadline - now, kSlice));
    co_await timer.async_wait(kNoThrow);
  }
}

Task<bool> FakeLlm::Emit(http::SseWriter& out, int& sent, std::chrono::milliseconds delay, std::string data,
                         std::string_view event) {
  // (GCC 12 miscompiles a co_await inside an if or while condition: the result is named first.)
  if (sent > 0) {
    co_await Sleep(delay);
  }
  if (stopping()) co_return false;
  const bool written = co_await out.Send(data, event);
  if (!written) {
    NoteClientGone();
    co_return false;
  }
  ++sent;
  co_return true;
}

namespace {

// Keeps what a stream writes, to be sent in one piece.
class BufferedBody final : public http::BodyStream {
 public:
  Task<bool> Write(std::string_view data) override {
    bytes.append(data);
    co_return true;
  }
  bool Closed() const override { return false; }
  std::string bytes;
};

}  // namespace

http::Response FakeLlm::StreamResponse(std::function<Task<void>(http::SseWriter&)> produce, bool burst) {
  http::Response response = http::SseResponse(std::move(produce));
  if (burst) {
    response.stream = [whole = std::move(response.stream)](http::BodyStream& body) -> Task<void> {
      BufferedBody buffered;
      co_await whole(buffered);
      co_await body.Write(buffered.bytes);
    };
  }
  return response;
}

http::Response FakeLlm::ProviderError(int status, std::string_view type, std::string_view message) const {
  json::object body;
  if (kind_ == Kind::kOpenAi) {
    json::object error;
    error["message"] = message;
    error["type"] = type;
    error["param"] = nullptr;
    error["code"] = nullptr;
    body["error"] = std::move(error);
  } else {
    json::object error;
    error["type"] = type;
    error["message"] = message;
    body["type"] = "error";
    body["error"] = std::move(error);
  }
  return http::Response::Json(status, json::serialize(body));
}

Task<std::optional<http::Response>> FakeLlm::Misbehave(const Config& config, bool stream) {
  const bool openai = kind_ == Kind::kOpenAi;
  switch (config.mode) {
    case Mode::kNormal:
      co_return std::nullopt;
    case Mode::kFail500:
      co_return ProviderError(500, openai ? "server_error" : "api_error", "The fake upstream failed.");
    case Mode::kFail429:
      co_return ProviderError(429, openai ? "rate_limit_exceeded" : "rate_limit_error",
                              "The fake upstream is rate limiting.");
    case Mode::kHang:
      co_await Sleep(kForever);
      co_return ProviderError(503, openai ? "server_error" : "api_error", "The fake upstream shut down.");
    case Mode::kMalformedJson: {
      if (!stream) co_return http::Response::Json(200, std::string(kMalformed));
      auto produce = [openai](http::SseWriter& out) -> Task<void> {
        co_await out.Send(kMalformed, openai ? "" : "message_start");
      };
      co_return http::SseResponse(std::move(produce));
    }
    case Mode::kEndless: {
      if (stream) co_return std::nullopt;  // the dialect's own endless stream
      http::Response response;
      response.stream = [this](http::BodyStream& body) -> Task<void> {
        const std::string piece(kEndlessPiece, 'x');
        bool open = co_await body.Write(kEndlessPrefix);
        while (open && !stopping()) {
          open = co_await body.Write(piece);
        }
        if (!open) NoteClientGone();
      };
      co_return response;
    }
    case Mode::kRefuse:
      co_return http::Response::Json(config.refusal_status, config.refusal_body);
    case Mode::kCloseAfterHeaders: {
      http::Response response;
      if (stream) {
        response.content_type = "text/event-stream; charset=utf-8";
        response.SetHeader("Cache-Control", "no-cache");
      }
      // The server answers a throwing body by closing the connection without the last chunk.
      response.stream = [](http::BodyStream&) -> Task<void> {
        throw std::runtime_error("fake_llm: dropping the connection after the headers");
        co_return;
      };
      co_return response;
    }
  }
  co_return std::nullopt;
}

Task<http::Response> FakeLlm::Models(http::Request& request) {
  Record(request);
  if (std::optional<http::Response> denied = Unauthorized(request)) co_return std::move(*denied);
  const Config config = Snapshot();
  const bool no_stream = false;
  std::optional<http::Response> bad = co_await Misbehave(config, no_stream);
  if (bad) co_return std::move(*bad);
  // Both dialects' fields: OpenAI's (object, created, owned_by) and Anthropic's (type, display_name,
  // created_at, has_more, first_id, last_id).
  const int64_t created = static_cast<int64_t>(std::time(nullptr));
  json::array data;
  for (const auto& id : config.models) {
    json::object model;
    model["id"] = id;
    model["object"] = "model";
    model["created"] = created;
    model["owned_by"] = "fake";
    model["type"] = "model";
    model["display_name"] = id;
    model["created_at"] = "2025-01-01T00:00:00Z";
    data.push_back(std::move(model));
  }
  json::object body;
  body["object"] = "list";
  body["has_more"] = false;
  body["first_id"] = config.models.empty() ? json::value(nullptr) : json::value(config.models.front());
  body["last_id"] = config.models.empty() ? json::value(nullptr) : json::value(config.models.back());
  body["data"] = std::move(data);
  co_return http::Response::Json(200, json::serialize(body));
}

std::vector<std::string> FakeLlm::SplitPieces(std::string_view text, int n) {
  std::vector<std::string> pieces;
  if (text.empty()) return pieces;
  const size_t count = static_cast<size_t>(std::max(1, n));
  const size_t step = std::max<size_t>(1, (text.size() + count - 1) / count);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + step);
    // Never cut inside a UTF-8 sequence: move past continuation bytes.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    pieces.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

}  // namespace chorus::testing
