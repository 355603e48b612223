// An incremental parser of Server-Sent Events (text/event-stream), for relaying provider streams.
// Feed it the body as it arrives, in pieces of any size; it calls back once per complete event.
// Memory is bounded: an event (or a line) longer than `max_event_bytes` is an error, so an upstream
// that never ends a line cannot make Chorus buffer without limit.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chorus::llm {

class SseParser {
 public:
  // (event name, data): data lines joined with '\n'; the name is empty when no `event:` line came.
  using OnEvent = std::function<Status(std::string_view event, std::string_view data)>;

  explicit SseParser(size_t max_event_bytes = 1 << 20) : max_(max_event_bytes) {}

  // Parses `piece`; stops at the first error that `on_event` returns. kUpstream when an event is
  // larger than the limit.
  Status Feed(std::string_view piece, const OnEvent& on_event);

 private:
  Status Line(std::string_view line, const OnEvent& on_event);

  const size_t max_;
  std::string partial_;  // an unfinished line
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the last piece ended in '\r' (a "\r\n" may be split)
};

}  // namespace chorus::llm
