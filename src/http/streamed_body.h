// The body of a streamed response as the server writes it. Included only by server.cpp (Beast
// stays inside src/http).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "base/async.h"
#include "http/response.h"

namespace chorus::http {

// A streamed response body: chunks on HTTP/1.1, raw bytes until close on HTTP/1.0.
class StreamedBody final : public BodyStream {
 public:
  StreamedBody(boost::beast::tcp_stream& stream, std::chrono::milliseconds timeout, bool chunked)
      : stream_(stream), timeout_(timeout), chunked_(chunked) {}

  Task<bool> Write(std::string_view data) override {
    namespace asio = boost::asio;
    constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
    if (closed_) co_return false;
    if (data.empty()) co_return true;
    stream_.expires_after(timeout_);
    const auto bytes = asio::buffer(data.data(), data.size());
    boost::system::error_code ec;
    if (chunked_) {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, boost::beast::http::make_chunk(bytes), kNoThrow);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, bytes, kNoThrow);
    }
    if (ec) closed_ = true;
    else bytes_ += data.size();
    co_return !closed_;
  }
  bool Closed() const override { return closed_; }
  uint64_t bytes() const { return bytes_; }

 private:
  boost::beast::tcp_stream& stream_;
  const std::chrono::milliseconds timeout_;
  const bool chunked_;
  bool closed_ = false;
  uint64_t bytes_ = 0;
};

}  // namespace chorus::http
