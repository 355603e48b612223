// The only translation unit that includes Boost.Beast (see server.h).
#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "base/log.h"
#include "base/strings.h"
#include "http/fast_io.h"
#include "http/request_parser.h"
#include "http/spool_file.h"
#include "http/streamed_body.h"
#include "http/wire.h"

namespace chorus::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Errors as values on the hot path: a closed keep-alive connection is routine, not exceptional.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// The Date header, formatted once per second per thread.
const std::string& DateHeader() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

// One client connection. Shared with the drain logic, which closes it when it is idle.
struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  std::atomic<bool> idle{true};  // waiting for the first byte of a request
};

// Uploads are the bodies worth spooling to disk: multipart/form-data.
bool IsUpload(const RequestParser& parser) {
  static constexpr std::string_view kMultipart = "multipart/form-data";
  return IEquals(parser.FieldValue("Content-Type").substr(0, kMultipart.size()), kMultipart);
}

// The spool file while the body is read; the request's SpooledBody takes it once the body is in.
struct SpoolDescriptor {
  explicit SpoolDescriptor(int descriptor) : fd(descriptor) {}
  SpoolDescriptor(const SpoolDescriptor&) = delete;
  SpoolDescriptor& operator=(const SpoolDescriptor&) = delete;
  ~SpoolDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  int Release() { return std::exchange(fd, -1); }
  int fd;
};

}  // namespace

struct Server::Impl {
  Impl(ServerSettings s, Dispatcher& d) : settings(std::move(s)), dispatcher(d) {
    const int n = std::max(1, settings.threads);
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(asio::make_work_guard(*contexts.back()));
    }
  }

  asio::io_context& main() { return *contexts.front(); }

  Status Listen();
  void Run();
  void BeginShutdown();
  void StopAll();
  asio::awaitable<void> Accept();
  asio::awaitable<void> Reject(tcp::socket socket);
  asio::awaitable<void> Session(tcp::socket socket);
  asio::awaitable<bool> ServeOne(Connection& c, beast::flat_buffer& buffer, const std::string& remote);
  asio::awaitable<bool> WriteResponse(Connection& c, unsigned version, bool head, Response& response, bool keep,
                                      uint64_t& bytes);
  // `status` overrides the error's own status (431 has no ErrorCode of its own).
  asio::awaitable<void> RefuseRequest(Connection& c, Request& request, unsigned version, const Error& error,
                                      Clock::time_point start, int status = 0);
  asio::awaitable<void> Drain();
  static Error TooLarge(uint64_t limit) {
    return {ErrorCode::kPayloadTooLarge, fmt::format("Request body is larger than the limit of {} bytes.", limit)};
  }
  bool SpoolEnabled() const { return !settings.spool_dir.empty(); }
  uint64_t BodyLimit(const RequestParser& parser) const {
    return SpoolEnabled() && IsUpload(parser) ? settings.max_upload_bytes : settings.max_body_bytes;
  }

  const ServerSettings settings;
  Dispatcher& dispatcher;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::signal_set> signals;
  size_t next_context = 0;  // only touched by the accept loop

  std::atomic<bool> draining{false};
  std::atomic<int> open_connections{0};
  std::mutex live_mu;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live;  // guarded by live_mu
};

Status Server::Impl::Listen() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(settings.host, ec);
  if (ec) return Unexpected(ErrorCode::kInvalidArgument, fmt::format("listen: \"{}\" is not an IP address", settings.host));
  tcp::endpoint endpoint(address, settings.port);
  acceptor = std::make_unique<tcp::acceptor>(main());
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unexpected(ErrorCode::kUnavailable,
                      fmt::format("cannot listen on {}:{}: {}", settings.host, settings.port, ec.message()));
  }
  // Catch SIGTERM/SIGINT from the moment the port is open: a signal that arrives before Run()
  // is queued and starts the drain as soon as Run() begins, instead of killing the process.
  if (settings.handle_signals) signals = std::make_unique<asio::signal_set>(main(), SIGINT, SIGTERM);
  return Ok();
}

void Server::Impl::Run() {
  auto log_failure = [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::Error("http coroutine failed", {{"exception", ex.what()}});
    }
  };
  asio::co_spawn(main(), Accept(), log_failure);
  if (signals) {
    signals->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      log::Info("signal received, draining", {{"signal", signal}});
      BeginShutdown();
      signals->async_wait([this](const boost::system::error_code& again, int) {
        if (!again) {
          log::Warn("second signal, stopping now");
          StopAll();
        }
      });
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts.size(); ++i) {
    threads.emplace_back([ctx = contexts[i].get()] { ctx->run(); });
  }
  main().run();
  for (auto& t : threads) t.join();
}

asio::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    asio::io_context& ctx = *contexts[next_context++ % contexts.size()];
    auto [ec, socket] = co_await acceptor->async_accept(ctx, kNoThrow);
    if (draining.load()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and similar: back off briefly instead of spinning.
      log::Warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(main(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    if (open_connections.load() >= settings.max_connections) {
      dispatcher.metrics().rejected_connections().Add();
      asio::co_spawn(ctx, Reject(std::move(socket)), asio::detached);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(ctx, Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::Reject(tcp::socket socket) {
  Response response = ErrorResponse({ErrorCode::kUnavailable, "The server is at its connection limit; retry shortly."});
  response.SetHeader("Retry-After", "1");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  const std::string head = wire::Serialize(wire::ResponseHead{.status = 503,
                                                              .date = DateHeader(),
                                                              .content_type = response.content_type,
                                                              .fields = &response.headers,
                                                              .keep_alive = false,
                                                              .content_length = response.body.size()});
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(1));
  const std::array<asio::const_buffer, 2> message{asio::buffer(head), asio::buffer(response.body)};
  co_await asio::async_write(stream, message, kNoThrow);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> Server::Impl::Session(tcp::socket socket) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  const std::string remote = ec ? std::string() : endpoint.address().to_string();
  auto conn = std::make_shared<Connection>(std::move(socket));
  {
    std::lock_guard lock(live_mu);
    live.emplace(conn.get(), conn);
  }
  open_connections.fetch_add(1);
  dispatcher.metrics().connections().Add(1);

  beast::flat_buffer buffer;
  bool keep = true;
  while (keep) {
    if (buffer.size() == 0) {
      // Idle between requests: the drain may close us now (see BeginShutdown).
      conn->idle.store(true);
      if (draining.load()) break;
      conn->stream.expires_after(settings.idle_timeout);
      auto [read_ec, n] = co_await conn->stream.async_read_some(buffer.prepare(8192), kNoThrow);
      conn->idle.store(false);
      if (read_ec) break;
      buffer.commit(n);
    }
    conn->idle.store(false);
    keep = co_await ServeOne(*conn, buffer, remote);
  }

  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn->stream.close();
  {
    std::lock_guard lock(live_mu);
    live.erase(conn.get());
  }
  dispatcher.metrics().connections().Add(-1);
  open_connections.fetch_sub(1);
}

asio::awaitable<bool> Server::Impl::ServeOne(Connection& c, beast::flat_buffer& buffer, const std::string& remote) {
  const auto start = Clock::now();
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<uint64_t>(settings.max_header_bytes, UINT32_MAX)));
  // The largest body any request may have; the one for this request is set once its headers say
  // whether it is an upload.
  parser.body_limit(std::max(settings.max_body_bytes, SpoolEnabled() ? settings.max_upload_bytes : 0));
  c.stream.expires_after(settings.read_timeout);
  boost::system::error_code ec;
  if (!fast_io::ParseBufferedHeader(parser, buffer, ec) && !ec) {
    std::tie(ec, std::ignore) = co_await bhttp::async_read_header(c.stream, buffer, parser, kNoThrow);
  }

  // The target and header values are views into the parser, which outlives the request.
  // What was parsed: all of it, the request line and fields up to the error, or nothing.
  Request request = parser.method().empty() ? Request() : Request(ParseMethod(parser.method()), parser.target());
  request.set_remote_address(remote);
  request.ReserveHeaders(parser.field_count());
  parser.ForEachField([&request](std::string_view name, std::string_view value) { request.AddHeader(name, value); });
  if (ec == bhttp::error::body_limit) {
    // Beast checks Content-Length against the limit while parsing the header: answer 413 now,
    // without reading any of the body.
    const Error too_large = TooLarge(BodyLimit(parser));
    co_await RefuseRequest(c, request, parser.version(), too_large, start);
    co_return false;
  }
  if (ec) {
    // Errors are named locals, not temporaries, when passed to a coroutine: GCC 12 mishandles
    // temporaries bound to coroutine parameters.
    if (ec == bhttp::error::header_limit) {
      const Error too_large{ErrorCode::kInvalidArgument, "Request headers are too large.", {}};
      co_await RefuseRequest(c, request, 11, too_large, start, 431);
    } else if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout && ec != asio::error::eof &&
               ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
      const Error malformed{ErrorCode::kInvalidArgument, "Malformed HTTP request.", {}};
      co_await RefuseRequest(c, request, 11, malformed, start);
    }
    co_return false;
  }

  const bool spool = SpoolEnabled() && IsUpload(parser);
  const uint64_t limit = spool ? settings.max_upload_bytes : settings.max_body_bytes;
  if (const auto length = parser.content_length(); length && *length > limit) {
    const Error too_large = TooLarge(limit);
    co_await RefuseRequest(c, request, parser.version(), too_large, start);
    co_return false;
  }
  if (!parser.is_done()) {
    if (IEquals(parser.FieldValue("Expect"), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [write_ec, n] = co_await asio::async_write(c.stream, asio::buffer(kContinue.data(), kContinue.size()), kNoThrow);
      if (write_ec) co_return false;
    }
    boost::system::error_code body_ec;
    parser.body_limit(limit);
    if (spool) {
      Result<int> fd = OpenSpoolFile(settings.spool_dir);
      if (!fd) {
        const Error unavailable = fd.error();
        co_await RefuseRequest(c, request, parser.version(), unavailable, start);
        co_return false;
      }
      SpoolDescriptor spool_fd(*fd);
      parser.SpoolTo(spool_fd.fd);
      c.stream.expires_after(settings.upload_timeout);
      std::tie(body_ec, std::ignore) = co_await bhttp::async_read(c.stream, buffer, parser, kNoThrow);
      if (!body_ec) {
        struct stat st{};
        ::fstat(spool_fd.fd, &st);
        request.set_spooled_body(std::make_shared<const SpooledBody>(spool_fd.Release(), static_cast<uint64_t>(st.st_size)));
      }
    } else if (!fast_io::ParseBuffered(parser, buffer, body_ec) && !body_ec) {
      std::tie(body_ec, std::ignore) = co_await bhttp::async_read(c.stream, buffer, parser, kNoThrow);
    }
    if (body_ec == bhttp::error::body_limit) {
      const Error too_large = TooLarge(limit);
      co_await RefuseRequest(c, request, parser.version(), too_large, start);
      co_return false;
    }
    if (body_ec) co_return false;  // timeout or disconnect mid-body: nobody to answer
  }
  if (!request.spooled_body()) request.set_body(std::move(parser.body()));
  const unsigned version = parser.version();
  const bool keep_alive = parser.keep_alive();

  dispatcher.metrics().in_flight().Add(1);
  Response response = co_await dispatcher.Dispatch(request);
  const bool keep = keep_alive && !draining.load();
  uint64_t bytes = 0;
  const bool written = co_await WriteResponse(c, version, request.method() == Method::kHead, response,
                                              keep, bytes);
  dispatcher.metrics().in_flight().Add(-1);
  dispatcher.Record(request, response.status, bytes,
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start));
  co_return written && keep;
}

asio::awaitable<void> Server::Impl::RefuseRequest(Connection& c, Request& request, unsigned version,
                                                 const Error& error, Clock::time_point start, int status) {
  Response response = ErrorResponse(error);
  if (status != 0) response.status = status;
  dispatcher.AssignRequestId(request);
  dispatcher.Decorate(request, response);
  uint64_t bytes = 0;
  co_await WriteResponse(c, version, false, response, false, bytes);
  dispatcher.Record(request, response.status, bytes,
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start));
}

asio::awaitable<bool> Server::Impl::WriteResponse(Connection& c, unsigned version, bool head, Response& response,
                                                  bool keep, uint64_t& bytes) {
  wire::ResponseHead out{.status = response.status,
                         .version = version,
                         .date = DateHeader(),
                         .content_type = response.content_type,
                         .fields = &response.headers,
                         .keep_alive = keep};
  if (!response.stream) {
    const bool no_body = response.status == 204 || response.status == 304;
    out.framing = no_body ? wire::Framing::kNone : wire::Framing::kLength;
    out.content_length = response.body.size();
    const std::string head_bytes = wire::Serialize(out);
    bytes = head || no_body ? 0 : response.body.size();
    const std::array<asio::const_buffer, 2> message{asio::buffer(head_bytes),
                                                    asio::buffer(response.body.data(), bytes)};
    const auto ec = co_await fast_io::Write(c.stream, message, settings.write_timeout);
    co_return !ec;
  }

  const bool chunked = version >= 11;
  out.framing = chunked ? wire::Framing::kChunked : wire::Framing::kUntilClose;
  const std::string head_bytes = wire::Serialize(out);
  if (co_await fast_io::Write(c.stream, asio::buffer(head_bytes), settings.write_timeout)) co_return false;
  if (head) co_return chunked && keep;
  StreamedBody body(c.stream, settings.write_timeout, chunked);
  try {
    co_await response.stream(body);
  } catch (const std::exception& e) {
    // The status line is gone already: all that is left is to cut the stream short.
    log::Error("response stream threw", {{"exception", e.what()}});
    bytes = body.bytes();
    co_return false;
  }
  bytes = body.bytes();
  if (body.Closed()) co_return false;
  if (chunked && !co_await body.Finish()) co_return false;
  co_return chunked && keep;
}

void Server::Impl::BeginShutdown() {
  if (draining.exchange(true)) return;
  boost::system::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(live_mu);
    for (auto& [raw, weak] : live) {
      if (auto strong = weak.lock()) connections.push_back(std::move(strong));
    }
  }
  for (auto& conn : connections) {
    // Runs on the connection's own thread, between its suspension points, so `idle` is current.
    asio::post(conn->stream.get_executor(), [conn] {
      if (conn->idle.load()) conn->stream.socket().close();
    });
  }
  asio::co_spawn(main(), Drain(), asio::detached);
}

asio::awaitable<void> Server::Impl::Drain() {
  const auto deadline = Clock::now() + settings.shutdown_grace;
  asio::steady_timer timer(main());
  while (open_connections.load() > 0 && Clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(kNoThrow);
  }
  if (const int left = open_connections.load(); left > 0) {
    log::Warn("shutdown grace elapsed; closing connections", {{"connections", left}});
    {
      std::lock_guard lock(live_mu);
      for (auto& [raw, weak] : live) {
        if (auto conn = weak.lock()) asio::post(conn->stream.get_executor(), [conn] { conn->stream.socket().close(); });
      }
    }
    // Give the sessions a moment to see their sockets closed and unwind.
    const auto cutoff = Clock::now() + std::chrono::milliseconds(200);
    while (open_connections.load() > 0 && Clock::now() < cutoff) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(kNoThrow);
    }
  }
  StopAll();
}

void Server::Impl::StopAll() {
  if (signals) {
    boost::system::error_code ignored;
    signals->cancel(ignored);
  }
  for (auto& guard : guards) guard.reset();
  for (auto& ctx : contexts) ctx->stop();
}

Server::Server(ServerSettings settings, Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(std::move(settings), dispatcher)) {}

Server::~Server() = default;

Status Server::Listen() { return impl_->Listen(); }

uint16_t Server::port() const {
  boost::system::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

void Server::Run() { impl_->Run(); }

void Server::RequestShutdown() {
  asio::post(impl_->main(), [impl = impl_.get()] { impl->BeginShutdown(); });
}

}  // namespace chorus::http
