#include "http/multipart.h"

#include <algorithm>

#include "base/strings.h"

namespace chorus::http {
namespace {

constexpr size_t kScanBlock = 64 * 1024;
constexpr std::string_view kMultipartType = "multipart/form-data";

Error Malformed(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, "Malformed multipart body: " + std::move(message));
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits `a; b="x;y"; c` at semicolons that are not inside quotes.
std::vector<std::string_view> SplitParameters(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t begin = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && quoted) {
      ++i;
    } else if (value[i] == '"') {
      quoted = !quoted;
    } else if (value[i] == ';' && !quoted) {
      out.push_back(TrimSpaces(value.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  out.push_back(TrimSpaces(value.substr(begin)));
  return out;
}

// `key=value` or `key="quoted \" value"`: the value, unquoted, when the key matches.
std::optional<std::string> ParameterValue(std::string_view parameter, std::string_view key) {
  const auto eq = parameter.find('=');
  if (eq == std::string_view::npos || !IEquals(TrimSpaces(parameter.substr(0, eq)), key)) return std::nullopt;
  std::string_view raw = TrimSpaces(parameter.substr(eq + 1));
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::string(raw);
  raw = raw.substr(1, raw.size() - 2);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

// Finds `needle` in the body at or after `from`, reading it in blocks that overlap by the needle's
// length so a match across a block edge is not missed.
Result<std::optional<uint64_t>> FindInBody(const Request& request, std::string_view needle, uint64_t from) {
  std::string block(kScanBlock + needle.size(), '\0');
  uint64_t position = from;
  while (position < request.body_size()) {
    CHORUS_ASSIGN_OR_RETURN(size_t n, request.ReadBody(position, block));
    const std::string_view view(block.data(), n);
    if (const auto at = view.find(needle); at != std::string_view::npos) return std::optional<uint64_t>(position + at);
    if (n < block.size()) break;  // the end of the body
    position += n - needle.size() + 1;
  }
  return std::optional<uint64_t>();
}

Result<std::string> ReadRange(const Request& request, uint64_t offset, size_t length) {
  std::string out(length, '\0');
  CHORUS_ASSIGN_OR_RETURN(size_t n, request.ReadBody(offset, out));
  out.resize(n);
  return out;
}

// Fills name, filename and content type from a part's header block (lines separated by CRLF).
Status ParsePartHeaders(std::string_view block, MultipartPart& part) {
  bool named = false;
  for (std::string_view line : Split(block, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view field = TrimSpaces(line.substr(0, colon));
    const std::string_view value = TrimSpaces(line.substr(colon + 1));
    if (IEquals(field, "Content-Type")) {
      part.content_type = std::string(value);
    } else if (IEquals(field, "Content-Disposition")) {
      const auto parameters = SplitParameters(value);
      if (parameters.empty() || !IEquals(parameters.front(), "form-data")) {
        return Malformed("a part's Content-Disposition is not form-data");
      }
      for (std::string_view parameter : parameters) {
        if (auto name = ParameterValue(parameter, "name")) {
          part.name = std::move(*name);
          named = true;
        } else if (auto filename = ParameterValue(parameter, "filename")) {
          part.filename = std::move(*filename);
        }
      }
    }
  }
  if (!named || part.name.empty()) return Malformed("a part has no name");
  return Ok();
}

}  // namespace

const MultipartPart* MultipartForm::Find(std::string_view name) const {
  for (const auto& part : parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

std::vector<const MultipartPart*> MultipartForm::FindAll(std::string_view name) const {
  std::vector<const MultipartPart*> out;
  for (const auto& part : parts) {
    if (part.name == name) out.push_back(&part);
  }
  return out;
}

Result<std::string> MultipartBoundary(std::string_view content_type) {
  const auto parameters = SplitParameters(content_type);
  if (parameters.empty() || !IEquals(parameters.front(), kMultipartType)) {
    return Unexpected(ErrorCode::kUnsupportedMedia, "Expected a multipart/form-data body.");
  }
  for (std::string_view parameter : parameters) {
    auto boundary = ParameterValue(parameter, "boundary");
    if (!boundary) continue;
    // RFC 2046: 1 to 70 characters.
    if (boundary->empty() || boundary->size() > 70) break;
    return std::move(*boundary);
  }
  return Unexpected(ErrorCode::kInvalidArgument, "The multipart/form-data Content-Type has no valid boundary.");
}

Result<MultipartForm> ParseMultipart(const Request& request) {
  CHORUS_ASSIGN_OR_RETURN(std::string boundary, MultipartBoundary(request.Header("Content-Type")));
  const std::string delimiter = "\r\n--" + boundary;
  // The first delimiter may start the body (no preamble), without the CRLF before it.
  uint64_t position = 0;
  {
    CHORUS_ASSIGN_OR_RETURN(std::string head, ReadRange(request, 0, delimiter.size() - 2));
    if (head != std::string_view(delimiter).substr(2)) {
      CHORUS_ASSIGN_OR_RETURN(auto first, FindInBody(request, delimiter, 0));
      if (!first) return Malformed("no boundary delimiter");
      position = *first + 2;
    }
    position += delimiter.size() - 2;
  }
  MultipartForm form;
  std::string after;
  while (true) {
    // After a delimiter: "--" closes the body; otherwise optional whitespace and CRLF.
    after.resize(kMaxPartHeaderBytes + 4);
    CHORUS_ASSIGN_OR_RETURN(size_t got, request.ReadBody(position, after));
    after.resize(got);
    if (after.starts_with("--")) return form;
    const auto headers_end = after.find("\r\n\r\n");
    if (headers_end == std::string::npos) {
      return Malformed(after.size() < kMaxPartHeaderBytes ? "the body ends inside a part's headers"
                                                          : "a part's headers are too long");
    }
    const auto line_end = after.find("\r\n");
    if (!TrimSpaces(std::string_view(after).substr(0, line_end)).empty()) {
      return Malformed("unexpected bytes after a boundary delimiter");
    }
    if (form.parts.size() == kMaxMultipartParts) return Malformed("too many parts");
    MultipartPart part;
    CHORUS_TRY(ParsePartHeaders(std::string_view(after).substr(line_end + 2, headers_end - line_end - 2), part));
    part.offset = position + headers_end + 4;
    CHORUS_ASSIGN_OR_RETURN(auto next, FindInBody(request, delimiter, part.offset > 2 ? part.offset - 2 : 0));
    // A part may be empty: then the delimiter's CRLF is the one that ended its headers.
    if (!next) return Malformed("the body ends before the closing boundary");
    part.length = *next >= part.offset ? *next - part.offset : 0;
    position = std::max(*next, part.offset - 2) + delimiter.size();
    form.parts.push_back(std::move(part));
  }
}

Result<std::string> ReadPartText(const Request& request, const MultipartPart& part, size_t max_bytes) {
  if (part.length > max_bytes) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "The field '" + part.name + "' is longer than " + std::to_string(max_bytes) + " bytes.", part.name);
  }
  return ReadRange(request, part.offset, static_cast<size_t>(part.length));
}

}  // namespace chorus::http
