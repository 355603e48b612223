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

// Appends `text`, with CR, LF and NUL made spaces (rewritten only for a text that has one: none
// has on the usual path).
void Append(std::string& out, std::string_view text) {
  const size_t at = out.size();
  out.append(text);
  if (!HasFieldBreak(text)) return;
  for (size_t i = at; i < out.size(); ++i) {
    if (BreaksField(out[i])) out[i] = ' ';
  }
}

void AppendNumber(std::string& out, uint64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  Append(out, name);
  out.append(": ");
  Append(out, value);
  out.append("\r\n");
}

// The body's framing is the serializer's alone: a Content-Length, Transfer-Encoding or Connection
// among the caller's fields would contradict it (and two lengths invite request smuggling).
bool IsFraming(std::string_view name) {
  return IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding") || IEquals(name, "Connection");
}

bool Has(const Fields* fields, std::string_view name) {
  if (!fields) return false;
  for (const auto& field : *fields) {
    if (IEquals(field.first, name)) return true;
  }
  return false;
}

void AppendFields(std::string& out, const Fields* fields) {
  if (!fields) return;
  for (const auto& [name, value] : *fields) {
    if (!IsFraming(name)) AppendField(out, name, value);
  }
}

size_t FieldsSize(const Fields* fields) {
  size_t n = 0;
  if (fields) {
    for (const auto& [name, value] : *fields) n += name.size() + value.size() + 4;
  }
  return n;
}

}  // namespace

std::string Serialize(const ResponseHead& head) {
  std::string out;
  out.reserve(160 + head.date.size() + head.content_type.size() + FieldsSize(head.fields));
  out.append(head.version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ");
  AppendNumber(out, static_cast<uint64_t>(head.status));
  out.push_back(' ');
  out.append(ReasonPhrase(head.status));
  out.append("\r\n");
  // A Date or Content-Type among the fields replaces the one given apart.
  if (!head.date.empty() && !Has(head.fields, "Date")) AppendField(out, "Date", head.date);
  if (!head.content_type.empty() && !Has(head.fields, "Content-Type")) {
    AppendField(out, "Content-Type", head.content_type);
  }
  AppendFields(out, head.fields);
  const bool keep = head.keep_alive && head.framing != Framing::kUntilClose;
  if (head.version >= 11 && !keep) out.append("Connection: close\r\n");
  if (head.version < 11 && keep) out.append("Connection: keep-alive\r\n");
  switch (head.framing) {
    case Framing::kLength:
      out.append("Content-Length: ");
      AppendNumber(out, head.content_length);
      out.append("\r\n");
      break;
    case Framing::kChunked: out.append("Transfer-Encoding: chunked\r\n"); break;
    case Framing::kNone:
    case Framing::kUntilClose: break;
  }
  out.append("\r\n");
  return out;
}

std::string Serialize(const RequestHead& head) {
  std::string out;
  out.reserve(96 + head.method.size() + head.target.size() + head.host.size() + FieldsSize(head.fields));
  Append(out, head.method);
  out.push_back(' ');
  Append(out, head.target);
  out.append(" HTTP/1.1\r\n");
  if (!Has(head.fields, "Host")) AppendField(out, "Host", head.host);
  AppendFields(out, head.fields);
  out.append("Content-Length: ");
  AppendNumber(out, head.content_length);
  out.append("\r\n\r\n");
  return out;
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
