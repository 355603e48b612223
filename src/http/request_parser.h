// The server's request parser: Beast's HTTP/1.1 grammar (basic_parser) over storage of our own.
// Beast's request_parser keeps fields in a container that allocates a node per field, and a
// request's fields were then copied again into the Request; here the method, target and fields go
// into one buffer with no allocation for a usual header, and the body goes to a string or, for an
// upload, straight to a file. Included only by server.cpp and its test: Beast stays in src/http.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "http/inline_fields.h"

namespace chorus::http {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // Valid once the header is done (is_header_done()), as long as the parser lives.
  unsigned version() const { return version_; }
  std::string_view method() const { return fields_.Text(method_); }
  std::string_view target() const { return fields_.Text(target_); }
  size_t field_count() const { return fields_.size(); }
  // Calls f(name, value) for each header field, in order (trailers are not kept).
  template <typename F>
  void ForEachField(F&& f) const {
    fields_.ForEach(f);
  }
  // The first field named `name` (case-insensitive); empty when absent.
  std::string_view FieldValue(std::string_view name) const { return fields_.Find(name); }

  // From here on the body goes to `fd` (not owned; written from its current offset) instead of
  // memory. Call before any of the body is parsed.
  void SpoolTo(int fd) { spool_fd_ = fd; }
  // The body held in memory (empty when spooled).
  std::string& body() { return body_; }

 private:
  // A client's header is a few hundred bytes in a dozen fields: no allocation for those.
  using Fields = InlineFields<1024, 16>;

  void on_request_impl(boost::beast::http::verb, boost::beast::string_view method, boost::beast::string_view target,
                       int version, boost::beast::error_code&) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_field_impl(boost::beast::http::field, boost::beast::string_view name, boost::beast::string_view value,
                     boost::beast::error_code&) override;
  void on_header_impl(boost::beast::error_code&) override { header_done_ = true; }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::beast::error_code&) override;
  size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, boost::beast::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(boost::beast::error_code&) override {}

  unsigned version_ = 11;
  Fields::Span method_, target_;
  bool header_done_ = false;
  Fields fields_;  // the request line's method and target too
  std::string body_;
  int spool_fd_ = -1;
};

}  // namespace chorus::http
