// Shared by gateway.cpp and gateway_stream.cpp; not part of the llm interface.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "llm/gateway.h"

namespace chorus::llm {

using Clock = std::chrono::steady_clock;

struct ChatStream::State {
  std::shared_ptr<const Registry> registry;  // keeps `deployment` alive across a reload
  const Deployment* deployment = nullptr;
  std::unique_ptr<http::client::UpstreamResponse> response;
  ChatCall call;
  std::string model;  // the name the caller used
  bool client_wants_usage = false;  // stream_options.include_usage as the client sent it
  Clock::time_point start;
  size_t request_bytes = 0;  // of the body sent to the deployment that answered
  bool reported = false;     // the call's usage record was handed over
  // What a stream relayed so far, for its record should it be dropped mid-way (the process
  // stopping past its grace period destroys the relay).
  int64_t chunks_relayed = 0;
  Usage usage_so_far;
};

// A stream's usage when the provider did not count the whole of it (cut short before its last
// chunk, or a provider that ignores include_usage), since the provider bills what it generated all
// the same: a prompt it did not count from the bytes sent, and at least a token for each chunk
// relayed (OpenAI-style streams send about one token per chunk; Anthropic counts output at the end).
Usage EstimateStreamUsage(Usage reported, size_t request_bytes, int64_t chunks);

// stream_options.include_usage of a request.
bool ClientWantsUsage(const boost::json::object& body);

// A whole upstream completion into `outcome` (body as OpenAI's, usage, text). kUpstream when malformed.
Status ParseCompletion(const Deployment& d, std::string_view model, std::string body, bool collect_text,
                       ChatOutcome& outcome);

}  // namespace chorus::llm
