// Boost.Beast for outbound requests; confined to this file like the server's.
#include "http/client/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>

#include <mutex>

namespace chorus::http::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

Error FromNet(const boost::system::error_code& ec, const char* what) {
  if (ec == beast::error::timeout) return {ErrorCode::kDeadlineExceeded, fmt::format("{} timed out", what), {}};
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
    return {ErrorCode::kUpstream, "the response is larger than allowed", {}};
  }
  return {ErrorCode::kUnavailable, fmt::format("{} failed: {}", what, ec.message()), {}};
}

}  // namespace

// The TLS context is made on the first https request: loading the system's CA certificates costs
// ~4 MB of resident memory, which a deployment whose webhooks are all plain http never needs.
struct Client::Impl {
  ssl::context& Tls() {
    std::call_once(once, [this] {
      tls = std::make_unique<ssl::context>(ssl::context::tls_client);
      tls->set_default_verify_paths();
      tls->set_verify_mode(ssl::verify_peer);
    });
    return *tls;
  }
  std::once_flag once;
  std::unique_ptr<ssl::context> tls;
};

Client::Client(const UrlGuard& guard, ClientSettings settings)
    : guard_(guard), settings_(settings), impl_(std::make_unique<Impl>()) {}

Client::~Client() = default;

Result<OutboundResponse> Client::Send(const OutboundRequest& request) const {
  CHORUS_ASSIGN_OR_RETURN(Target target, guard_.Check(request.url));
  asio::io_context io;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(target.address, ec);
  if (ec) return Unexpected(ErrorCode::kInternal, "checked address does not parse");
  const tcp::endpoint endpoint(address, target.port);

  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), target.target, 11};
  const bool default_port = (target.scheme == "https" && target.port == 443) || (target.scheme == "http" && target.port == 80);
  req.set(bhttp::field::host, default_port ? target.host : fmt::format("{}:{}", target.host, target.port));
  req.set(bhttp::field::user_agent, "Chorus");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();
  req.keep_alive(false);

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(settings_.max_response_bytes);
  parser.header_limit(64 * 1024);
  beast::flat_buffer buffer;

  beast::tcp_stream tcp_stream(io);
  if (target.scheme == "http") {
    // beast::tcp_stream enforces its expiry only on asynchronous operations, so the exchange runs
    // as a chain of them on this call's own io_context.
    Status done = Ok();
    tcp_stream.expires_after(settings_.connect_timeout);
    tcp_stream.async_connect(endpoint, [&](boost::system::error_code e) {
      if (e) {
        done = Unexpected(FromNet(e, "connecting"));
        return;
      }
      tcp_stream.expires_after(settings_.read_timeout);
      bhttp::async_write(tcp_stream, req, [&](boost::system::error_code e1, size_t) {
        if (e1) {
          done = Unexpected(FromNet(e1, "sending the request"));
          return;
        }
        bhttp::async_read(tcp_stream, buffer, parser, [&](boost::system::error_code e2, size_t) {
          if (e2) done = Unexpected(FromNet(e2, "reading the response"));
        });
      });
    });
    io.run();
    if (!done) return Unexpected(std::move(done).error());
  } else {
    beast::ssl_stream<beast::tcp_stream> tls(io, impl_->Tls());
    // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
    if (!SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(target.host.c_str()))) {
      return Unexpected(ErrorCode::kInternal, "cannot set the TLS server name");
    }
    tls.set_verify_callback(ssl::host_name_verification(target.host));
    auto& lowest = beast::get_lowest_layer(tls);
    Status done = Ok();
    lowest.expires_after(settings_.connect_timeout);
    lowest.async_connect(endpoint, [&](boost::system::error_code e) {
      if (e) {
        done = Unexpected(FromNet(e, "connecting"));
        return;
      }
      tls.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e1) {
        if (e1) {
          done = Unexpected(FromNet(e1, "the TLS handshake"));
          return;
        }
        lowest.expires_after(settings_.read_timeout);
        bhttp::async_write(tls, req, [&](boost::system::error_code e2, size_t) {
          if (e2) {
            done = Unexpected(FromNet(e2, "sending the request"));
            return;
          }
          bhttp::async_read(tls, buffer, parser, [&](boost::system::error_code e3, size_t) {
            if (e3) done = Unexpected(FromNet(e3, "reading the response"));
          });
        });
      });
    });
    io.run();
    if (!done) return Unexpected(std::move(done).error());
  }

  OutboundResponse response;
  const auto& message = parser.get();
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) response.headers.emplace_back(field.name_string(), field.value());
  response.body = message.body();
  return response;
}

}  // namespace chorus::http::client
