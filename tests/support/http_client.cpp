#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

namespace chorus::testing {

using Clock = std::chrono::steady_clock;

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

RawConnection::RawConnection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConnection::Fill(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(left));
  if (ready <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

bool RawConnection::ReadLine(std::string& line, Clock::time_point deadline) {
  for (;;) {
    const auto end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return true;
    }
    if (!Fill(deadline)) return false;
  }
}

bool RawConnection::ReadExactly(size_t n, std::string& out, Clock::time_point deadline) {
  while (buffer_.size() < n) {
    if (!Fill(deadline)) return false;
  }
  out.append(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

std::optional<HttpResponse> RawConnection::ReadResponse(std::chrono::milliseconds timeout, bool head) {
  const auto deadline = Clock::now() + timeout;
  HttpResponse r;
  std::string line;
  do {  // skip interim 1xx responses
    if (!ReadLine(line, deadline) || line.size() < 12) return std::nullopt;
    r.status = std::stoi(line.substr(9, 3));
    r.reason = line.size() > 13 ? line.substr(13) : "";
    r.headers.clear();
    for (;;) {
      if (!ReadLine(line, deadline)) return std::nullopt;
      if (line.empty()) break;
      const auto colon = line.find(':');
      r.headers.emplace_back(line.substr(0, colon), std::string(Trim(line.substr(colon + 1))));
    }
  } while (r.status >= 100 && r.status < 200);

  if (head || r.status == 204 || r.status == 304) return r;
  if (IEquals(r.Header("Transfer-Encoding"), "chunked")) {
    r.chunked = true;
    for (;;) {
      if (!ReadLine(line, deadline)) return std::nullopt;
      const size_t size = std::stoul(line, nullptr, 16);
      if (size == 0) {
        while (ReadLine(line, deadline) && !line.empty()) {
        }
        break;
      }
      std::string chunk;
      if (!ReadExactly(size, chunk, deadline) || !ReadLine(line, deadline)) return std::nullopt;
      r.body += chunk;
      r.chunks.push_back(std::move(chunk));
    }
  } else if (!r.Header("Content-Length").empty()) {
    if (!ReadExactly(std::stoul(r.Header("Content-Length")), r.body, deadline)) return std::nullopt;
  } else {
    while (Fill(deadline)) {
    }
    r.body = std::move(buffer_);
    buffer_.clear();
  }
  return r;
}

std::string RawConnection::ReadSome(std::chrono::milliseconds timeout, std::string_view until) {
  const auto deadline = Clock::now() + timeout;
  while ((until.empty() || buffer_.find(until) == std::string::npos) && Fill(deadline)) {
  }
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

bool RawConnection::ClosedWithin(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

std::optional<HttpResponse> Fetch(uint16_t port, std::string_view method, std::string_view target,
                                  std::string_view body, std::string_view extra_headers) {
  RawConnection c(port);
  if (!c.connected()) return std::nullopt;
  std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "Connection: close\r\n\r\n";
  request += body;
  if (!c.Send(request)) return std::nullopt;
  return c.ReadResponse(std::chrono::seconds(10), method == "HEAD");
}

}  // namespace chorus::testing
