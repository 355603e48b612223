// Boost.Beast for the gateway's upstream calls; confined to this file like the server's.
#include "http/client/upstream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "base/strings.h"
#include "http/fast_io.h"
#include "http/inline_fields.h"
#include "http/wire.h"

namespace chorus::http::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kPieceBytes = 16 * 1024;

Error FromNet(const boost::system::error_code& ec, const char* what) {
  if (ec == beast::error::timeout) return {ErrorCode::kDeadlineExceeded, fmt::format("{} timed out", what), {}};
  static const auto& http_errors = bhttp::make_error_code(bhttp::error::bad_version).category();
  if (ec.category() == http_errors || ec.category() == asio::error::get_ssl_category()) {
    return {ErrorCode::kUpstream, fmt::format("{} failed: {}", what, ec.message()), {}};
  }
  return {ErrorCode::kUnavailable, fmt::format("{} failed: {}", what, ec.message()), {}};
}

// One keep-alive connection: plain TCP, or TLS over TCP.
struct Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // True when the peer closed the connection (or sent something unasked) while it sat idle.
  bool PeerClosed() {
    char byte;
    const ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }
};

// Idle connections of one execution context. Only that context's thread touches it.
class PoolService : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;
  explicit PoolService(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}

  std::unique_ptr<Connection> Take(const std::string& key, std::chrono::milliseconds keep) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    const auto now = Clock::now();
    while (!list.empty()) {
      std::unique_ptr<Connection> conn = std::move(list.back());
      list.pop_back();
      const auto idle = now - conn->idle_since;
      // A connection idle for under a second is hardly closed by its server already; for the rest,
      // a non-blocking peek tells (and a failure before any response byte is retried anyway).
      if (idle < keep && (idle < std::chrono::seconds(1) || !conn->PeerClosed())) return conn;
    }
    return nullptr;
  }

  void Put(std::unique_ptr<Connection> conn, size_t max_per_host, std::chrono::milliseconds keep) {
    const auto now = Clock::now();
    // Take() reuses the newest; the oldest, at the front, are closed here once past `keep`, so that
    // connections a burst left do not linger (in CLOSE_WAIT once their server gave up on them).
    // Now and then every host's are, for hosts no longer called.
    if (++puts_ % 256 == 0) {
      for (auto it = idle_.begin(); it != idle_.end();) {
        it = DropExpired(it->second, now, keep).empty() ? idle_.erase(it) : std::next(it);
      }
    }
    auto& list = DropExpired(idle_[conn->key], now, keep);
    if (list.size() >= max_per_host) return;  // closes it
    conn->idle_since = now;
    list.push_back(std::move(conn));
  }

 private:
  using IdleList = std::vector<std::unique_ptr<Connection>>;
  static IdleList& DropExpired(IdleList& list, Clock::time_point now, std::chrono::milliseconds keep) {
    const auto fresh = std::find_if(list.begin(), list.end(), [&](const auto& c) { return now - c->idle_since < keep; });
    list.erase(list.begin(), fresh);
    return list;
  }

  void shutdown() override { idle_.clear(); }
  uint64_t puts_ = 0;
  std::unordered_map<std::string, IdleList> idle_;
};

std::string PoolKey(const Endpoint& e) {
  std::string key;
  key.reserve(e.scheme.size() + e.host.size() + e.address.size() + 12);
  key.append(e.scheme).append("://").append(e.host).append("@").append(e.address).append(":");
  key.append(std::to_string(e.port));
  return key;
}

}  // namespace

Result<Endpoint> ParseBaseUrl(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return Unexpected(ErrorCode::kInvalidArgument, "base URL is not an absolute URL", "base_url");
  Endpoint e;
  e.scheme = parsed->scheme();
  if (e.scheme != "http" && e.scheme != "https") {
    return Unexpected(ErrorCode::kInvalidArgument, "base URL must be http or https", "base_url");
  }
  if (parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment() || parsed->host().empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "base URL must have a host and no credentials, query or fragment",
                      "base_url");
  }
  e.host = parsed->host_name().empty() ? std::string(parsed->host_address()) : std::string(parsed->host_name());
  if (parsed->host_type() == boost::urls::host_type::ipv6) e.host = std::string(parsed->host_address());
  e.port = parsed->has_port() ? parsed->port_number() : (e.scheme == "https" ? 443 : 80);
  e.path_prefix = std::string(parsed->encoded_path());
  while (!e.path_prefix.empty() && e.path_prefix.back() == '/') e.path_prefix.pop_back();
  return e;
}

namespace {

// A response parser that keeps the header's fields as they came, in one buffer, and hands the body
// over into a buffer the reader names (as Beast's buffer_body does). Beast's own parser builds a
// `basic_fields` container — an allocation and a tree insertion per field — which the gateway
// reads two fields of at most. Status, framing, limits and errors are basic_parser's.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  int status() const { return status_; }

  // The first field named `name` (case-insensitive); empty when absent.
  std::string_view Field(std::string_view name) const { return fields_.Find(name); }

  // Where the next body bytes go; body_left() falls as they arrive.
  void set_body_buffer(char* data, size_t size) {
    body_data_ = data;
    body_left_ = size;
  }
  size_t body_left() const { return body_left_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int, beast::error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, beast::error_code&) override { status_ = code; }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value, beast::error_code&) override {
    fields_.Add(name, value);
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    // As buffer_body: take what fits, and ask for a new buffer (need_buffer) when it is full.
    if (body_data_ == nullptr) {
      ec = bhttp::error::need_buffer;
      return 0;
    }
    const size_t n = std::min(body.size(), body_left_);
    std::memcpy(body_data_, body.data(), n);
    body_data_ += n;
    body_left_ -= n;
    if (n < body.size()) ec = bhttp::error::need_buffer;
    return n;
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(beast::error_code&) override {}

  int status_ = 0;
  // A provider's header is a few hundred bytes in a handful of fields: no allocation for those.
  InlineFields<512, 12> fields_;
  char* body_data_ = nullptr;
  size_t body_left_ = 0;
};

}  // namespace

struct UpstreamResponse::Impl {
  std::unique_ptr<Connection> conn;
  // Made anew for each response header read (Beast's parser cannot be reset): an interim 1xx
  // response comes before the final one.
  std::optional<ResponseParser> parser;
  UpstreamTimeouts timeouts;
  size_t max_idle_per_host = 0;
  std::chrono::milliseconds idle_keep{0};
  PoolService* pool = nullptr;
  bool interim_seen = false;  // an interim 1xx response came before the final one
  bool failed = false;
  char piece[kPieceBytes];

  void NewParser() {
    parser.emplace();
    parser->body_limit(boost::none);
    parser->header_limit(64 * 1024);
  }

  template <typename Stream>
  Task<boost::system::error_code> ReadSome(Stream& stream) {
    auto [ec, n] = co_await bhttp::async_read_some(stream, conn->buffer, *parser, kNoThrow);
    co_return ec;
  }
};

UpstreamResponse::UpstreamResponse(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UpstreamResponse::~UpstreamResponse() {
  if (!impl_ || !impl_->conn) return;
  // Nothing may be left unread: bytes past the response (more than its Content-Length said) would
  // be taken for the next caller's answer.
  if (!impl_->failed && impl_->parser->is_done() && impl_->parser->keep_alive() && impl_->conn->buffer.size() == 0) {
    impl_->pool->Put(std::move(impl_->conn), impl_->max_idle_per_host, impl_->idle_keep);
  }
  // Otherwise the connection closes here: an abandoned stream cancels the upstream request.
}

int UpstreamResponse::status() const { return impl_->parser->status(); }

std::string_view UpstreamResponse::Header(std::string_view name) const { return impl_->parser->Field(name); }

void UpstreamResponse::set_idle_timeout(std::chrono::milliseconds timeout) { impl_->timeouts.idle = timeout; }

bool UpstreamResponse::done() const { return impl_->parser->is_done(); }

Task<Result<std::string_view>> UpstreamResponse::Read() {
  Impl& s = *impl_;
  if (s.failed) co_return Unexpected(ErrorCode::kUnavailable, "the upstream response already failed");
  while (!s.parser->is_done()) {
    s.parser->set_body_buffer(s.piece, sizeof(s.piece));
    boost::system::error_code ec;
    // What came with the header (often the whole body) is parsed without a read.
    fast_io::ParseBuffered(*s.parser, s.conn->buffer, ec);
    if (!ec && !s.parser->is_done() && s.parser->body_left() == sizeof(s.piece)) {
      s.conn->lowest().expires_after(s.timeouts.idle);
      // (GCC 12: no co_await inside ?:, see base/async.h)
      if (s.conn->tls) {
        ec = co_await s.ReadSome(*s.conn->tls);
      } else {
        ec = co_await s.ReadSome(*s.conn->tcp);
      }
      if (ec == bhttp::error::need_buffer) ec = {};
    }
    if (ec) {
      s.failed = true;
      co_return Unexpected(FromNet(ec, "reading the upstream response"));
    }
    const size_t got = sizeof(s.piece) - s.parser->body_left();
    if (got > 0) co_return std::string_view(s.piece, got);
  }
  co_return std::string_view();
}

Task<Result<std::string>> UpstreamResponse::ReadAll(size_t limit) {
  std::string all;
  for (;;) {
    auto piece = co_await Read();
    if (!piece) co_return Unexpected(std::move(piece).error());
    if (piece->empty()) co_return all;
    if (all.size() + piece->size() > limit) {
      impl_->failed = true;
      co_return Unexpected(ErrorCode::kUpstream, fmt::format("the upstream response is larger than {} bytes", limit));
    }
    all.append(*piece);
  }
}

// The TLS context is made on the first https request (see Client::Impl for why).
struct UpstreamClient::Impl {
  UpstreamClientSettings settings;
  std::once_flag once;
  std::unique_ptr<ssl::context> tls;

  ssl::context& Tls() {
    std::call_once(once, [this] {
      tls = std::make_unique<ssl::context>(ssl::context::tls_client);
      tls->set_default_verify_paths();
      tls->set_verify_mode(ssl::verify_peer);
    });
    return *tls;
  }

  Task<Result<std::unique_ptr<Connection>>> Connect(const Endpoint& e, const UpstreamTimeouts& t);
  template <typename Stream>
  Task<Status> Exchange(Stream& stream, Connection& conn, const std::array<asio::const_buffer, 2>& message,
                        UpstreamResponse::Impl& response, const UpstreamTimeouts& t);
};

Task<Result<std::unique_ptr<Connection>>> UpstreamClient::Impl::Connect(const Endpoint& e, const UpstreamTimeouts& t) {
  auto executor = co_await asio::this_coro::executor;
  std::vector<tcp::endpoint> targets;
  boost::system::error_code ec;
  if (!e.address.empty()) {
    const auto address = asio::ip::make_address(e.address, ec);
    if (ec) co_return Unexpected(ErrorCode::kInternal, "the checked address does not parse");
    targets.emplace_back(address, e.port);
  } else {
    tcp::resolver resolver(executor);
    const std::string port = std::to_string(e.port);
    auto [rec, results] = co_await resolver.async_resolve(e.host, port, kNoThrow);
    if (rec) co_return Unexpected(ErrorCode::kUnavailable, fmt::format("cannot resolve {}: {}", e.host, rec.message()));
    for (const auto& r : results) targets.push_back(r.endpoint());
  }
  auto conn = std::make_unique<Connection>();
  conn->key = PoolKey(e);
  // Reads take what the buffer has room for (at least 512 bytes): room for a piece's worth, so
  // that a burst of a fast provider's events, or a larger answer, is one read rather than a
  // string of 512-byte ones while the buffer grows.
  conn->buffer.reserve(kPieceBytes);
  auto tcp_stream = std::make_unique<beast::tcp_stream>(executor);
  tcp_stream->expires_after(t.connect);
  auto [cec, connected] = co_await tcp_stream->async_connect(targets, kNoThrow);
  if (cec) co_return Unexpected(FromNet(cec, fmt::format("connecting to {}:{}", e.host, e.port).c_str()));
  tcp_stream->socket().set_option(tcp::no_delay(true), ec);
  if (e.scheme != "https") {
    conn->tcp = std::move(tcp_stream);
    co_return conn;
  }
  conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*tcp_stream), Tls());
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  if (!SSL_ctrl(conn->tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                const_cast<char*>(e.host.c_str()))) {
    co_return Unexpected(ErrorCode::kInternal, "cannot set the TLS server name");
  }
  conn->tls->set_verify_callback(ssl::host_name_verification(e.host));
  auto [hec] = co_await conn->tls->async_handshake(ssl::stream_base::client, kNoThrow);
  if (hec) co_return Unexpected(FromNet(hec, "the TLS handshake"));
  co_return conn;
}

template <typename Stream>
Task<Status> UpstreamClient::Impl::Exchange(Stream& stream, Connection& conn,
                                            const std::array<asio::const_buffer, 2>& message,
                                            UpstreamResponse::Impl& response, const UpstreamTimeouts& t) {
  response.NewParser();
  boost::system::error_code wec;
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    wec = co_await fast_io::Write(stream, message, t.first_byte);
  } else {
    conn.lowest().expires_after(t.first_byte);
    std::tie(wec, std::ignore) = co_await asio::async_write(stream, message, kNoThrow);
  }
  if (wec) co_return Unexpected(FromNet(wec, "sending the upstream request"));
  conn.lowest().expires_after(t.first_byte);
  for (int interim = 0;; ++interim) {
    const boost::system::error_code rec = co_await fast_io::ReadHeader(stream, conn.buffer, *response.parser);
    if (rec) co_return Unexpected(FromNet(rec, "waiting for the upstream response"));
    const int status = response.parser->status();
    if (status >= 200) co_return Ok();
    // An interim response (100 Continue, 102 Processing, 103 Early Hints) has no body; the final
    // one follows on the same connection. A switch of protocols was never asked for.
    if (status == 101 || interim == 8) {
      co_return Unexpected(ErrorCode::kUpstream, fmt::format("the upstream answered {} before its response", status));
    }
    response.interim_seen = true;
    response.NewParser();
  }
}

UpstreamClient::UpstreamClient(UpstreamClientSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->settings = settings;
}

UpstreamClient::~UpstreamClient() = default;

Task<Result<std::unique_ptr<UpstreamResponse>>> UpstreamClient::Send(const Endpoint& endpoint,
                                                                    const UpstreamRequest& request,
                                                                    const UpstreamTimeouts& timeouts) const {
  auto executor = co_await asio::this_coro::executor;
  auto& pool = asio::use_service<PoolService>(asio::query(executor, asio::execution::context));

  const bool default_port = (endpoint.scheme == "https" && endpoint.port == 443) ||
                            (endpoint.scheme == "http" && endpoint.port == 80);
  const std::string head = wire::Serialize(wire::RequestHead{.method = request.method,
                                                             .target_prefix = endpoint.path_prefix,
                                                             .target = request.path,
                                                             .host = endpoint.host,
                                                             .port = default_port ? uint16_t{0} : endpoint.port,
                                                             .user_agent = "Chorus",
                                                             .fields = &request.headers,
                                                             .content_length = request.body.size()});
  const std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(request.body)};

  const std::string key = PoolKey(endpoint);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = attempt == 0 ? pool.Take(key, impl_->settings.idle_keep) : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      auto made = co_await impl_->Connect(endpoint, timeouts);
      if (!made) co_return Unexpected(std::move(made).error());
      conn = std::move(*made);
    }
    // for_overwrite: the 16 KiB piece buffer is not zeroed for every call (it is written before it is read).
    auto response = std::make_unique_for_overwrite<UpstreamResponse::Impl>();
    response->timeouts = timeouts;
    response->max_idle_per_host = impl_->settings.max_idle_per_host;
    response->idle_keep = impl_->settings.idle_keep;
    response->pool = &pool;
    Status sent = Ok();
    const auto sent_at = Clock::now();
    if (conn->tls) {
      sent = co_await impl_->Exchange(*conn->tls, *conn, message, *response, timeouts);
    } else {
      sent = co_await impl_->Exchange(*conn->tcp, *conn, message, *response, timeouts);
    }
    if (!sent) {
      // A pooled connection the server closed meanwhile (reset, or closed cleanly: nothing came
      // back at once): try once more on a new one. Not after a timeout, nor after a wait (a proxy
      // that gave up on a slow answer): the server had the request and may be working on it.
      const bool nothing_back = !response->interim_seen && !response->parser->got_some() && conn->buffer.size() == 0;
      const bool at_once = Clock::now() - sent_at < std::chrono::seconds(1);
      if (reused && nothing_back && at_once && sent.error().code != ErrorCode::kDeadlineExceeded) continue;
      co_return Unexpected(std::move(sent).error());
    }
    response->conn = std::move(conn);
    co_return std::make_unique<UpstreamResponse>(std::move(response));
  }
  co_return Unexpected(ErrorCode::kUnavailable, "the upstream closed the connection");
}

}  // namespace chorus::http::client
