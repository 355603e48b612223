// The HTTP/1.1 server: Boost.Beast and Asio C++20 coroutines, hidden behind this pimpl so that
// nothing outside src/http includes Beast.
//
// One io_context per network thread; each connection lives on one of them, so a connection's code
// never runs on two threads. Keep-alive, pipelining, chunked request and response bodies, and
// 100-continue are supported. Limits: header bytes (431), body bytes (413 from Content-Length
// before the body is read; a chunked body is cut off at the limit; uploads have a limit of their own
// and are spooled to disk, see ServerSettings::spool_dir), a read timeout per request,
// an idle timeout between requests, a write timeout against clients that stop reading, and a cap
// on open connections (503 and close).
//
// Shutdown (SIGTERM/SIGINT when handle_signals, or RequestShutdown()): stop accepting, close idle
// keep-alive connections, let in-flight requests finish (their responses say Connection: close) for
// up to shutdown_grace, then cut off whatever remains. Run() then returns. A second signal stops
// at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "http/dispatcher.h"

namespace chorus::http {

struct ServerSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  int threads = 1;
  uint64_t max_header_bytes = 16 * 1024;
  uint64_t max_body_bytes = 16 * 1024 * 1024;
  // multipart/form-data bodies (uploads) go to an unnamed file in this directory instead of memory,
  // up to max_upload_bytes; handlers read them with Request::ReadBody. Empty: they are read into
  // memory like any other body, up to max_body_bytes.
  std::string spool_dir;
  uint64_t max_upload_bytes = 512ull * 1024 * 1024;
  std::chrono::milliseconds upload_timeout{600000};  // replaces read_timeout once an upload's headers are in
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds write_timeout{60000};
  std::chrono::milliseconds shutdown_grace{10000};
  int max_connections = 4096;
  bool handle_signals = true;
};

class Server {
 public:
  Server(ServerSettings settings, Dispatcher& dispatcher);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Errors: kUnavailable (address in use, permission), kInvalidArgument (bad host).
  Status Listen();
  // The bound port; valid after Listen().
  uint16_t port() const;

  // Serves on `threads` threads (the caller's among them) until shut down and drained.
  void Run();

  // Starts a graceful shutdown. Safe from any thread and from signal-free contexts (tests).
  void RequestShutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chorus::http
