// The body of a streamed response as the server writes it. Included only by server.cpp (Beast
// stays inside src/http).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/async.h"
#include "http/fast_io.h"
#include "http/response.h"

namespace chorus::http {

// A streamed response body: chunks on HTTP/1.1, raw bytes until close on HTTP/1.0.
class StreamedBody final : public BodyStream {
 public:
  StreamedBody(boost::beast::tcp_stream& stream, std::chrono::milliseconds timeout, bool chunked)
      : stream_(stream), timeout_(timeout), chunked_(chunked) {}

  Task<bool> Write(std::string_view data) override {
    namespace asio = boost::asio;
    if (closed_) co_return false;
    if (data.empty()) co_return true;
    boost::system::error_code ec;
    if (chunked_) {
      // The chunk framed by hand around the caller's bytes, one gather write straight into the
      // socket (fast_io::Write): Beast's chunk encoder and composed write cost a trip round the
      // event loop and ~3k instructions per chunk, an LLM stream's every token.
      char size_line[sizeof(size_t) * 2 + 2];
      char* end = std::to_chars(size_line, size_line + sizeof size_line - 2, data.size(), 16).ptr;
      *end++ = '\r';
      *end++ = '\n';
      const std::array<asio::const_buffer, 3> chunk{asio::buffer(size_line, static_cast<size_t>(end - size_line)),
                                                    asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)};
      ec = co_await fast_io::Write(stream_, chunk, timeout_);
    } else {
      ec = co_await fast_io::Write(stream_, asio::buffer(data.data(), data.size()), timeout_);
    }
    if (ec) closed_ = true;
    else bytes_ += data.size();
    co_return !closed_;
  }
  // Ends a chunked body: the last, empty chunk.
  Task<bool> Finish() {
    if (closed_ || !chunked_) co_return !closed_;
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    const auto ec = co_await fast_io::Write(stream_, boost::asio::buffer(kLastChunk.data(), kLastChunk.size()), timeout_);
    co_return !ec;
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
