// The head of an HTTP/1.x message, written by hand. Beast's serializer walks a variant-based
// buffer sequence on every write; on the gateway's path (a response to the client and a request to
// the provider per call) that was the largest single cost in user space, about 12% of Chorus's CPU.
// A message with a whole body is a head built here and the body, sent with one gather write.
// Reading stays with Beast's parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chorus::http::wire {

// How the body after a head is delimited.
enum class Framing {
  kLength,      // Content-Length: the body's size
  kNone,        // no body and no Content-Length (204, 304)
  kChunked,     // Transfer-Encoding: chunked
  kUntilClose,  // neither; the body ends when the connection closes (HTTP/1.0 streams)
};

using Fields = std::vector<std::pair<std::string, std::string>>;

struct ResponseHead {
  int status = 200;
  unsigned version = 11;  // 10 or 11
  std::string_view date;
  std::string_view content_type;  // empty: none
  const Fields* fields = nullptr;
  bool keep_alive = true;
  Framing framing = Framing::kLength;
  uint64_t content_length = 0;  // with kLength
};

struct RequestHead {
  std::string_view method;
  std::string_view target_prefix;  // written just before `target` ("/v1" + "/chat/completions")
  std::string_view target;
  std::string_view host;
  uint16_t port = 0;  // written after the host as ":port" unless 0
  std::string_view user_agent;  // empty: none; a User-Agent among `fields` replaces it
  const Fields* fields = nullptr;
  uint64_t content_length = 0;
};

// "HTTP/1.1 200 OK\r\n" … "\r\n". Names and values are written as given except that CR, LF and NUL
// become spaces, so no value can end a field early or start a new one. The framing fields
// (Content-Length, Transfer-Encoding, Connection) come from the head alone; a Date, Content-Type or
// Host among `fields` replaces the one given apart.
std::string Serialize(const ResponseHead& head);
// "POST /v1/chat/completions HTTP/1.1\r\nHost: …\r\n" … "Content-Length: n\r\n\r\n". The head's
// parts are given apart (target prefix, host and port, user agent) so that a caller builds no
// string to join them.
std::string Serialize(const RequestHead& head);

// The reason phrase of a status ("Not Found"); "" for codes without one.
std::string_view ReasonPhrase(int status);

}  // namespace chorus::http::wire
