// Reads and writes that skip the event loop when they can. An asynchronous operation that could
// complete at once still goes through the io_context (a post, a trip round the loop, an
// epoll_wait); on the gateway's path that was several trips per proxied request. Included only by
// the Beast translation units of src/http.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>

#include <chrono>

namespace chorus::http::fast_io {

// Writes `buffers` to a plain TCP stream: straight into the socket when it takes them all (a
// response or request that fits the send buffer, the usual case), asynchronously for the rest,
// with `timeout`, when it does not.
template <typename Buffers>
boost::asio::awaitable<boost::system::error_code> Write(boost::beast::tcp_stream& stream, const Buffers& buffers,
                                                        std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  auto& socket = stream.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);  // a would-be block returns would_block
  const size_t total = boost::asio::buffer_size(buffers);
  const size_t written = ec ? 0 : socket.write_some(buffers, ec);
  if (!ec && written == total) co_return ec;
  if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) co_return ec;
  boost::beast::buffers_suffix<Buffers> rest(buffers);
  rest.consume(written);
  stream.expires_after(timeout);
  auto [wec, n] = co_await boost::asio::async_write(stream, rest, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return wec;
}

// Feeds `parser` the bytes `buffer` already holds (a body that came in the same segment as its
// header, say). Returns true when the parser needs no more input; `ec` carries a parse error. A
// parser with a buffer_body stops when that buffer is full (not an error).
template <typename Parser>
bool ParseBuffered(Parser& parser, boost::beast::flat_buffer& buffer, boost::system::error_code& ec) {
  // One step of the message per put (eager mode would make a later async_read_some wait for a
  // full buffer, holding back a stream's chunks).
  while (buffer.size() > 0 && !parser.is_done()) {
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more || ec == boost::beast::http::error::need_buffer) {
      ec = {};
      break;
    }
    if (ec || used == 0) break;
  }
  return !ec && parser.is_done();
}

}  // namespace chorus::http::fast_io
