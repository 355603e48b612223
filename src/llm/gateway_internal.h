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
};

// stream_options.include_usage of a request.
bool ClientWantsUsage(const boost::json::object& body);

// A whole upstream completion into `outcome` (body as OpenAI's, usage, text). kUpstream when malformed.
Status ParseCompletion(const Deployment& d, std::string_view model, std::string body, bool collect_text,
                       ChatOutcome& outcome);

}  // namespace chorus::llm
