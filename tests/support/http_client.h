// A deliberately raw HTTP/1.1 client for tests: plain blocking sockets, so a test can send exactly
// the bytes it wants (slowly, malformed, pipelined, half a body) and read exactly what comes back.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chorus::testing {

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked
  std::vector<std::string> chunks;  // the chunks as they arrived, for streamed responses
  bool chunked = false;
  std::string Header(std::string_view name) const;  // case-insensitive; empty if absent
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port. Check connected().
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false if the peer has closed.
  bool Send(std::string_view bytes);
  // Reads one response (headers and body), waiting at most `timeout` in total.
  std::optional<HttpResponse> ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                           bool head = false);
  // Whatever bytes arrive within `timeout` (raw, unparsed); stops early once `until` has been seen.
  std::string ReadSome(std::chrono::milliseconds timeout, std::string_view until = {});
  // True if the server closed the connection within `timeout` (EOF or reset, nothing else read).
  bool ClosedWithin(std::chrono::milliseconds timeout);
  void Close();

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);  // reads more into buffer_
  bool ReadLine(std::string& line, std::chrono::steady_clock::time_point deadline);
  bool ReadExactly(size_t n, std::string& out, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection: method, target, optional body and extra header lines
// ("Name: value\r\n" each).
std::optional<HttpResponse> Fetch(uint16_t port, std::string_view method, std::string_view target,
                                  std::string_view body = {}, std::string_view extra_headers = {});

}  // namespace chorus::testing
