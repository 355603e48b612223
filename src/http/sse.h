// Server-Sent Events over a streamed response (text/event-stream). Each Send() writes one event and
// flushes it as its own chunk, so the client sees it at once; SendAll() writes events that are
// ready together as one chunk. Multi-line data is split into several
// `data:` lines as the format requires. Used by one coroutine at a time.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "http/response.h"

namespace chorus::http {

class SseWriter {
 public:
  explicit SseWriter(BodyStream& out) : out_(out) {}

  // Returns false once the client has gone.
  Task<bool> Send(std::string_view data, std::string_view event = {}, std::string_view id = {});
  // Data-only events in order, in one write: a relay's events that arrived in one read leave the
  // same way (one system call and one wake-up of the client, not one per event). Empty: no write.
  Task<bool> SendAll(std::span<const std::string> data);
  // A comment line (": ping"), to keep proxies from closing an idle stream.
  Task<bool> Comment(std::string_view text);
  bool Closed() const { return out_.Closed(); }

  // The wire form of one event (exposed for tests).
  static std::string Format(std::string_view data, std::string_view event, std::string_view id);

 private:
  static void AppendFormatted(std::string& out, std::string_view data, std::string_view event, std::string_view id);

  BodyStream& out_;
};

// A 200 text/event-stream response whose body `produce` writes.
Response SseResponse(std::function<Task<void>(SseWriter&)> produce);

}  // namespace chorus::http
