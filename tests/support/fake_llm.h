// A fake LLM upstream on loopback (test and benchmark code only), built on Chorus's own HTTP server.
// It speaks one provider dialect, chosen at construction:
//
//   OpenAI     POST /v1/chat/completions (JSON or SSE with "stream":true), GET /v1/models,
//              POST /v1/audio/transcriptions, POST /v1/audio/speech (see fake_llm_audio.cpp)
//   Anthropic  POST /v1/messages (JSON or SSE with named events), GET /v1/models; both answer 401 in
//              Anthropic's error shape unless the x-api-key and anthropic-version headers are present
//
// A normal answer is the configured reply ("Hello from fake") with the configured usage (7 prompt,
// 5 completion tokens), echoing the request's model. A request with `tools` whose conversation does
// not end in a tool result (OpenAI: last message role "tool"; Anthropic: last user message holding a
// tool_result block) is answered with a call of the first tool with arguments {"city":"Paris"}.
// Streams split the reply (or the tool arguments) into `chunks` pieces and wait `delay` between
// events; a non-streamed answer waits `delay` once before it is sent.
//
// Every setter may be called from any thread at any time; a request uses the settings current when
// it arrived. The mode applies to every route (GET /v1/models too):
//   kFail500 / kFail429     the provider's error shape with that status
//   kHang                   the request is accepted and never answered until the fake shuts down
//   kMalformedJson          200 with the body {"id": broken (as one SSE event for streams)
//   kEndless                streams send content events every 1 ms, a plain body sends 64 KB pieces,
//                           both until the client goes away (or the fake shuts down)
//   kCloseAfterHeaders      200 headers, then the connection is dropped (the chunked body never ends)
//   kRefuse                 the status and JSON body given to SetRefusal, as they are
//
// The destructor shuts the server down: hung and endless requests notice within ~10 ms, and a
// write stuck on a client that stopped reading is cut off after a 2 s grace.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/async.h"

namespace chorus::http {
class Router;
class HttpMetrics;
class Dispatcher;
class Server;
class Request;
class SseWriter;
struct Response;
}  // namespace chorus::http

namespace chorus::testing {

class FakeLlm {
 public:
  enum class Kind { kOpenAi, kAnthropic };
  enum class Mode { kNormal, kFail500, kFail429, kHang, kMalformedJson, kEndless, kCloseAfterHeaders, kRefuse };

  struct RecordedRequest {
    std::string method;  // "POST"
    std::string path;    // "/v1/chat/completions"
    std::string authorization;
    std::string x_api_key;
    std::string anthropic_version;
    std::vector<std::pair<std::string, std::string>> headers;  // all of them, as received
    std::string body;
    // A header's value (case-insensitive name); empty if absent.
    std::string Header(std::string_view name) const;
  };

  // Listens on 127.0.0.1:`port` (0 picks a free one) and serves on a thread of its own. Throws
  // std::runtime_error when it cannot listen.
  explicit FakeLlm(Kind kind = Kind::kOpenAi, uint16_t port = 0);
  ~FakeLlm();
  FakeLlm(const FakeLlm&) = delete;
  FakeLlm& operator=(const FakeLlm&) = delete;

  Kind kind() const { return kind_; }
  uint16_t port() const;
  // "http://127.0.0.1:PORT/v1"
  std::string BaseUrl() const;

  // Behaviour.
  void SetMode(Mode mode);
  void SetReply(std::string text);                  // default "Hello from fake"
  void SetChunks(int n);                            // content pieces of a stream, default 5 (min 1)
  void SetDelay(std::chrono::milliseconds delay);   // default 0
  // A stream's events written in one piece, as a fast provider's can arrive (delays are skipped).
  void SetBurst(bool burst);                        // default false
  // An OpenAI stream that ends with the body, without `data: [DONE]` (as some compatible servers do).
  void SetNoDone(bool no_done);                     // default false
  void SetUsage(int prompt_tokens, int completion_tokens);  // default 7 and 5
  // Of completion_tokens, those of hidden reasoning (OpenAI's completion_tokens_details).
  void SetReasoningTokens(int reasoning_tokens);    // default 0
  void SetModels(std::vector<std::string> ids);     // GET /v1/models, default {"fake-model"}
  void SetRefusal(int status, std::string body);    // what kRefuse answers, default 400 and an OpenAI error

  // Records.
  int Requests() const { return requests_.load(); }
  // Waits until at least `n` requests arrived (on any route); false on timeout.
  bool WaitForRequests(int n, std::chrono::milliseconds timeout) const;
  // The last request received, if any.
  std::optional<RecordedRequest> LastRequest() const;
  // Streamed responses (SSE or an endless body) cut short because a write failed: the client went.
  int ClientGone() const { return client_gone_.load(); }
  // Waits until ClientGone() >= n; false on timeout.
  bool WaitForClientGone(int n, std::chrono::milliseconds timeout) const;

 private:
  struct Config {
    Mode mode = Mode::kNormal;
    std::string reply = "Hello from fake";
    int chunks = 5;
    std::chrono::milliseconds delay{0};
    bool burst = false;
    bool no_done = false;
    int prompt_tokens = 7;
    int completion_tokens = 5;
    int reasoning_tokens = 0;
    std::vector<std::string> models{"fake-model"};
    int refusal_status = 400;
    std::string refusal_body =
        R"({"error":{"message":"The fake refused.","type":"invalid_request_error","param":null,"code":null}})";
  };

  // Shared (fake_llm.cpp).
  Config Snapshot() const;
  // Counts and records a request; returns its number (1, 2, ...), used in response ids.
  int Record(const http::Request& request);
  // Anthropic's 401 when x-api-key or anthropic-version is missing; nullopt otherwise (and for OpenAI).
  std::optional<http::Response> Unauthorized(const http::Request& request) const;
  void NoteClientGone();
  bool stopping() const { return stopping_.load(); }
  // Waits `delay` in short slices on an asio timer; returns early once the fake is shutting down.
  Task<void> Sleep(std::chrono::milliseconds delay) const;
  // One event of a stream: waits `delay` unless it is the first (`sent` == 0), then sends it. False
  // once the client has gone (counted in ClientGone) or the fake is shutting down.
  Task<bool> Emit(http::SseWriter& out, int& sent, std::chrono::milliseconds delay, std::string data,
                  std::string_view event);
  // The 200 text/event-stream response that `produce` writes, in one piece when `burst`.
  static http::Response StreamResponse(std::function<Task<void>(http::SseWriter&)> produce, bool burst);
  // The error shape of this kind's provider.
  http::Response ProviderError(int status, std::string_view type, std::string_view message) const;
  // Every mode but kNormal and a streamed kEndless (which is the dialect's); nullopt for those.
  Task<std::optional<http::Response>> Misbehave(const Config& config, bool stream);
  Task<http::Response> Models(http::Request& request);
  // The text split into `n` pieces on UTF-8 character boundaries (fewer when it is short).
  static std::vector<std::string> SplitPieces(std::string_view text, int n);

  // fake_llm_openai.cpp
  Task<http::Response> OpenAiChat(http::Request& request);
  // fake_llm_anthropic.cpp
  Task<http::Response> AnthropicMessages(http::Request& request);
  // fake_llm_audio.cpp
  Task<http::Response> OpenAiTranscription(http::Request& request);
  Task<http::Response> OpenAiSpeech(http::Request& request);

  const Kind kind_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> client_gone_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  Config config_;                               // guarded by mu_
  std::optional<RecordedRequest> last_;         // guarded by mu_
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpMetrics> metrics_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace chorus::testing
