#include "http/wire.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "base/strings.h"

namespace chorus::http::wire {
namespace {

bool BreaksField(char c) { return c == '\r' || c == '\n' || c == '\0'; }

// True when `text` holds a byte that could end a field early: CR, LF or NUL. Eight bytes at a time
// with the classic has-a-zero-byte test (exact: no false positives), since every head byte passes here.
bool HasFieldBreak(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  const auto has_zero_byte = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const auto breaks = [&](uint64_t v) {
    return (has_zero_byte(v) | has_zero_byte(v ^ (kOnes * '\r')) | has_zero_byte(v ^ (kOnes * '\n'))) != 0;
  };
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    if (breaks(v)) return true;
  }
  if (i == text.size()) return false;
  // The last one to seven bytes as one more word, the rest of it a byte that breaks nothing.
  uint64_t v = kOnes * 'a';
  std::memcpy(&v, text.data() + i, text.size() - i);
  return breaks(v);
}

// The body's framing is the serializer's alone: a Content-Length, Transfer-Encoding or Connection
// among the caller's fields would contradict it (and two lengths invite request smuggling).
bool IsFraming(std::string_view name) {
  return IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding") || IEquals(name, "Connection");
}

// Writes a head into a string sized once for the longest head its parts can make, through a
// cursor: every piece is one copy, and the literals (constant sizes) compile to a few moves. (The
// string's own append checks capacity and calls memcpy per piece: twice the instructions, on a
// path taken twice per proxied call.)
class HeadWriter {
 public:
  explicit HeadWriter(size_t max_size) {
    out_.resize(max_size);
    at_ = out_.data();
  }

  template <size_t N>
  void Literal(const char (&text)[N]) {
    std::memcpy(at_, text, N - 1);
    at_ += N - 1;
  }
  void Raw(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  // `text` with CR, LF and NUL made spaces (rewritten only for a text that has one: none has on
  // the usual path).
  void Text(std::string_view text) {
    char* const from = at_;
    Raw(text);
    if (!HasFieldBreak(text)) return;
    for (char* c = from; c != at_; ++c) {
      if (BreaksField(*c)) *c = ' ';
    }
  }
  void Number(uint64_t n) { at_ = std::to_chars(at_, at_ + kMaxDigits, n).ptr; }
  void Field(std::string_view name, std::string_view value) {
    Text(name);
    Literal(": ");
    Text(value);
    Literal("\r\n");
  }
  // The caller's fields but the framing ones.
  void Fields(const wire::Fields* fields) {
    if (!fields) return;
    for (const auto& [name, value] : *fields) {
      if (!IsFraming(name)) Field(name, value);
    }
  }

  std::string Finish() && {
    out_.resize(static_cast<size_t>(at_ - out_.data()));
    return std::move(out_);
  }

  static constexpr size_t kMaxDigits = 20;  // of a uint64_t
  // The room a field takes at most.
  static size_t FieldSize(std::string_view name, std::string_view value) { return name.size() + value.size() + 4; }

 private:
  std::string out_;
  char* at_;
};

bool Has(const Fields* fields, std::string_view name) {
  if (!fields) return false;
  for (const auto& field : *fields) {
    if (IEquals(field.first, name)) return true;
  }
  return false;
}

size_t FieldsSize(const Fields* fields) {
  size_t n = 0;
  if (fields) {
    for (const auto& [name, value] : *fields) n += HeadWriter::FieldSize(name, value);
  }
  return n;
}

}  // namespace

std::string Serialize(const ResponseHead& head) {
  const std::string_view reason = ReasonPhrase(head.status);
  // Every part below at its longest: the status line, Date and Content-Type, the fields, then
  // Connection, the framing and the blank line.
  HeadWriter out(sizeof("HTTP/1.1 ") + HeadWriter::kMaxDigits + 1 + reason.size() + 2 +
                 HeadWriter::FieldSize("Date", head.date) + HeadWriter::FieldSize("Content-Type", head.content_type) +
                 FieldsSize(head.fields) + sizeof("Connection: keep-alive\r\n") +
                 sizeof("Transfer-Encoding: chunked\r\n") + sizeof("Content-Length: \r\n") +
                 HeadWriter::kMaxDigits + 2);
  if (head.version >= 11) out.Literal("HTTP/1.1 ");
  else out.Literal("HTTP/1.0 ");
  out.Number(static_cast<uint64_t>(head.status));
  out.Literal(" ");
  out.Raw(reason);
  out.Literal("\r\n");
  // A Date or Content-Type among the fields replaces the one given apart.
  if (!head.date.empty() && !Has(head.fields, "Date")) out.Field("Date", head.date);
  if (!head.content_type.empty() && !Has(head.fields, "Content-Type")) out.Field("Content-Type", head.content_type);
  out.Fields(head.fields);
  const bool keep = head.keep_alive && head.framing != Framing::kUntilClose;
  if (head.version >= 11 && !keep) out.Literal("Connection: close\r\n");
  if (head.version < 11 && keep) out.Literal("Connection: keep-alive\r\n");
  switch (head.framing) {
    case Framing::kLength:
      out.Literal("Content-Length: ");
      out.Number(head.content_length);
      out.Literal("\r\n");
      break;
    case Framing::kChunked: out.Literal("Transfer-Encoding: chunked\r\n"); break;
    case Framing::kNone:
    case Framing::kUntilClose: break;
  }
  out.Literal("\r\n");
  return std::move(out).Finish();
}

std::string Serialize(const RequestHead& head) {
  HeadWriter out(head.method.size() + 1 + head.target_prefix.size() + head.target.size() + sizeof(" HTTP/1.1\r\n") +
                 HeadWriter::FieldSize("Host", head.host) + 1 + HeadWriter::kMaxDigits +
                 HeadWriter::FieldSize("User-Agent", head.user_agent) + FieldsSize(head.fields) +
                 sizeof("Content-Length: ") + HeadWriter::kMaxDigits + 4);
  out.Text(head.method);
  out.Literal(" ");
  out.Text(head.target_prefix);
  out.Text(head.target);
  out.Literal(" HTTP/1.1\r\n");
  if (!Has(head.fields, "Host")) {
    out.Literal("Host: ");
    out.Text(head.host);
    if (head.port != 0) {
      out.Literal(":");
      out.Number(head.port);
    }
    out.Literal("\r\n");
  }
  if (!head.user_agent.empty() && !Has(head.fields, "User-Agent")) out.Field("User-Agent", head.user_agent);
  out.Fields(head.fields);
  out.Literal("Content-Length: ");
  out.Number(head.content_length);
  out.Literal("\r\n\r\n");
  return std::move(out).Finish();
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

}  // namespace chorus::http::wire
