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

#include <algorithm>
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

// Parses a message header that `buffer` already holds in full (Beast's parser takes a header only
// once all of it is in; a part is left in the buffer). True when the header is done; `ec` carries a
// parse error (header_limit, body_limit from Content-Length, a malformed header). Saves the
// composed read operation, and the trip round the event loop its completion costs, when the header
// came with the bytes read before (the next request on a keep-alive connection, say).
template <typename Parser>
bool ParseBufferedHeader(Parser& parser, boost::beast::flat_buffer& buffer, boost::system::error_code& ec) {
  if (parser.is_header_done()) return true;
  if (buffer.size() == 0) return false;
  const size_t used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  if (ec == boost::beast::http::error::need_more) ec = {};
  return !ec && parser.is_header_done();
}

// Reads until `parser` has a whole header: what `buffer` holds first, then reads straight from
// `stream` (one operation deep, with the stream's own timeout, instead of Beast's three-deep
// composed read). Errors as Beast's async_read_header gives them: end_of_stream when the peer closed
// before sending anything, partial_message when it closed mid-header.
template <typename Stream, typename Parser>
boost::asio::awaitable<boost::system::error_code> ReadHeader(Stream& stream, boost::beast::flat_buffer& buffer,
                                                             Parser& parser) {
  boost::system::error_code ec;
  while (!ParseBufferedHeader(parser, buffer, ec)) {
    if (ec) co_return ec;
    // As Beast sizes its reads: the buffer's free room, at least 512 bytes, at most 64 KiB.
    const size_t room = std::max<size_t>(512, buffer.capacity() - buffer.size());
    auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(std::min<size_t>(room, 65536)),
                                                        boost::asio::as_tuple(boost::asio::use_awaitable));
    if (read_ec == boost::asio::error::eof) {
      co_return parser.got_some() || buffer.size() > 0 ? boost::beast::http::error::partial_message
                                                       : boost::beast::http::error::end_of_stream;
    }
    if (read_ec) co_return read_ec;
    buffer.commit(n);
  }
  co_return ec;
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
