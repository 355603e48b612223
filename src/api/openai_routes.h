// The OpenAI-compatible model surface: POST /v1/chat/completions (whole or streamed as SSE),
// GET /v1/models and GET /v1/models/{model}. Bodies and errors follow OpenAI's shapes so that
// existing SDKs work unmodified.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"
#include "http/sse.h"
#include "llm/gateway.h"

namespace chorus::api {

// `local_models`: models Chorus serves itself (speech), listed after the gateway's.
Status AddOpenAiRoutes(http::Router& router, llm::Gateway& gateway, std::vector<std::string> local_models = {});

// Relays gateway events into an SSE response.
class SseEventSink : public llm::EventSink {
 public:
  explicit SseEventSink(http::SseWriter& out) : out_(out) {}
  Task<bool> Send(std::span<const std::string> events) override { return out_.SendAll(events); }
  Task<bool> KeepAlive() override { return out_.Comment("keep-alive"); }

 private:
  http::SseWriter& out_;
};

}  // namespace chorus::api
