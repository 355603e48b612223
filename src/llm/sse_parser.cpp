#include "llm/sse_parser.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace chorus::llm {

Status SseParser::Feed(std::string_view piece, const OnEvent& on_event) {
  size_t start = 0;
  if (after_cr_ && !piece.empty() && piece[0] == '\n') start = 1;
  after_cr_ = false;
  for (size_t i = FindLineBreak(piece, start); i != std::string_view::npos; i = FindLineBreak(piece, start)) {
    const char c = piece[i];
    std::string_view line = piece.substr(start, i - start);
    if (!partial_.empty()) {
      partial_.append(line);
      line = partial_;
    }
    CHORUS_TRY(Line(line, on_event));
    partial_.clear();
    if (c == '\r') {
      if (i + 1 < piece.size() && piece[i + 1] == '\n') ++i;
      else if (i + 1 == piece.size()) after_cr_ = true;
    }
    start = i + 1;
  }
  partial_.append(piece.substr(start));
  if (partial_.size() + data_.size() > max_) {
    return Unexpected(ErrorCode::kUpstream, fmt::format("an upstream event is larger than {} bytes", max_));
  }
  return Ok();
}

Status SseParser::Line(std::string_view line, const OnEvent& on_event) {
  if (line.empty()) {  // the end of an event
    Status done = Ok();
    if (has_data_) done = on_event(event_, data_);
    event_.clear();
    data_.clear();
    has_data_ = false;
    return done;
  }
  if (line[0] == ':') return Ok();  // a comment
  const auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) data_ += '\n';
    data_.append(value);
    has_data_ = true;
    if (data_.size() > max_) {
      return Unexpected(ErrorCode::kUpstream, fmt::format("an upstream event is larger than {} bytes", max_));
    }
  } else if (field == "event") {
    event_.assign(value);
  }
  return Ok();  // id and retry do not matter for relaying
}

}  // namespace chorus::llm
