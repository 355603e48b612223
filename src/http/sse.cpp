#include "http/sse.h"

#include "base/strings.h"

namespace chorus::http {
namespace {

// Field values may not contain line breaks; an id or event name with one is cut there.
std::string_view FirstLine(std::string_view s) { return s.substr(0, FindLineBreak(s)); }

}  // namespace

void SseWriter::AppendFormatted(std::string& out, std::string_view data, std::string_view event, std::string_view id) {
  if (!event.empty()) {
    out += "event: ";
    out += FirstLine(event);
    out += '\n';
  }
  if (!id.empty()) {
    out += "id: ";
    out += FirstLine(id);
    out += '\n';
  }
  // Lines end in \n, \r\n or \r; each becomes its own data field.
  size_t start = 0;
  for (;;) {
    const size_t end = FindLineBreak(data, start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
    if (start >= data.size()) {
      out += "data: \n";
      break;
    }
  }
  out += '\n';
}

std::string SseWriter::Format(std::string_view data, std::string_view event, std::string_view id) {
  std::string out;
  out.reserve(data.size() + 32);
  AppendFormatted(out, data, event, id);
  return out;
}

Task<bool> SseWriter::Send(std::string_view data, std::string_view event, std::string_view id) {
  co_return co_await out_.Write(Format(data, event, id));
}

Task<bool> SseWriter::SendAll(std::span<const std::string> data) {
  if (data.empty()) co_return !out_.Closed();
  size_t size = 0;
  for (const std::string& d : data) size += d.size() + 16;
  std::string out;
  out.reserve(size);
  for (const std::string& d : data) AppendFormatted(out, d, {}, {});
  co_return co_await out_.Write(out);
}

Task<bool> SseWriter::Comment(std::string_view text) {
  std::string line = ": ";
  line += FirstLine(text);
  line += "\n\n";
  co_return co_await out_.Write(line);
}

Response SseResponse(std::function<Task<void>(SseWriter&)> produce) {
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream; charset=utf-8";
  r.SetHeader("Cache-Control", "no-cache");
  r.SetHeader("X-Accel-Buffering", "no");  // tell nginx-style proxies not to buffer
  r.stream = [produce = std::move(produce)](BodyStream& body) -> Task<void> {
    SseWriter writer(body);
    co_await produce(writer);
  };
  return r;
}

}  // namespace chorus::http
