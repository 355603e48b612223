// multipart/form-data (RFC 7578) request bodies, parsed where they lie: the parser reads the body
// through Request::ReadBody in blocks and records where each part's bytes are, so an upload spooled
// to disk is never copied into memory. Small text fields are read out with ReadPartText.
//
// Written by hand: Boost.Beast has no multipart support, and the parsers packaged for Debian either
// buffer whole bodies in memory or come with a web framework of their own.
//
// A file name from the client is kept only as text (for metadata); it never becomes a path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/request.h"

namespace chorus::http {

struct MultipartPart {
  std::string name;                     // the form field's name
  std::optional<std::string> filename;  // set for file fields (may be empty text)
  std::string content_type;             // as the client declared it; "" when absent
  uint64_t offset = 0;                  // where the part's bytes start in the body
  uint64_t length = 0;
};

struct MultipartForm {
  std::vector<MultipartPart> parts;
  // The first part with this name; nullptr when there is none.
  const MultipartPart* Find(std::string_view name) const;
  // Every part with this name, in order (repeated fields such as "timestamp_granularities[]").
  std::vector<const MultipartPart*> FindAll(std::string_view name) const;
};

// Limits that keep a hostile body from costing more than reading it once.
inline constexpr size_t kMaxMultipartParts = 64;
inline constexpr size_t kMaxPartHeaderBytes = 8 * 1024;

// The boundary from a Content-Type such as `multipart/form-data; boundary=xyz`. kUnsupportedMedia
// when the type is not multipart/form-data; kInvalidArgument when the boundary is missing or invalid.
Result<std::string> MultipartBoundary(std::string_view content_type);

// Parses the request's body (held in memory or spooled) as multipart/form-data. Errors:
// kUnsupportedMedia (not multipart/form-data); kInvalidArgument for a malformed body (no closing
// delimiter, a part without a name, too many parts, headers too long).
Result<MultipartForm> ParseMultipart(const Request& request);

// The bytes of a small part as text. kInvalidArgument with param set to the part's name when it is
// longer than max_bytes.
Result<std::string> ReadPartText(const Request& request, const MultipartPart& part, size_t max_bytes = 64 * 1024);

}  // namespace chorus::http
