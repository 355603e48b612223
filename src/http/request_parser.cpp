#include "http/request_parser.h"

#include <unistd.h>

#include <cerrno>

namespace chorus::http {

void RequestParser::on_request_impl(boost::beast::http::verb, boost::beast::string_view method,
                                    boost::beast::string_view target, int version, boost::beast::error_code&) {
  method_ = fields_.Store(method);
  target_ = fields_.Store(target);
  version_ = static_cast<unsigned>(version);
}

void RequestParser::on_field_impl(boost::beast::http::field, boost::beast::string_view name,
                                  boost::beast::string_view value, boost::beast::error_code&) {
  // Trailers (after a chunked body) are dropped: the views handed out with the header must not
  // move.
  if (header_done_) return;
  fields_.Add(name, value);
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::beast::error_code&) {
  // basic_parser has checked the length against body_limit already.
  if (length && spool_fd_ < 0) body_.reserve(static_cast<size_t>(*length));
}

size_t RequestParser::on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) {
  if (spool_fd_ < 0) {
    body_.append(body.data(), body.size());
    return body.size();
  }
  size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::write(spool_fd_, body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ec = boost::beast::error_code(n < 0 ? errno : ENOSPC, boost::system::generic_category());
      return done;
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

}  // namespace chorus::http
