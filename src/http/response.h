// A response as handlers build it. Either a whole body, or a `stream` coroutine that produces the
// body after the headers are sent (Transfer-Encoding: chunked) — for Server-Sent Events and for audio
// that is encoded while it is sent.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/async.h"
#include "base/result.h"

namespace chorus::http {

// Where a streamed body goes. Used by one coroutine at a time.
class BodyStream {
 public:
  BodyStream() = default;
  BodyStream(const BodyStream&) = delete;
  BodyStream& operator=(const BodyStream&) = delete;
  virtual ~BodyStream() = default;

  // Sends `data` as one chunk. Returns false when the client has gone (or stopped reading past the
  // write timeout): the producer should stop and clean up.
  virtual Task<bool> Write(std::string_view data) = 0;
  // True once a write has failed.
  virtual bool Closed() const = 0;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;
  std::function<Task<void>(BodyStream&)> stream;
  // Kept until the response has been written, then released: work a handler's answer leaves
  // behind (releasing its state, recording it) happens after the client has the answer.
  std::shared_ptr<void> retained;

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
    Response r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.body = std::move(body);
    return r;
  }
  static Response NoContent() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }

  // The value of a header set on this response; empty if absent.
  std::string_view Header(std::string_view name) const;
  void SetHeader(std::string name, std::string value);
};

// OpenAI's error shape with the status that belongs to the code:
// {"error":{"message":"…","type":"invalid_request_error","param":null,"code":"not_found"}}
Response ErrorResponse(const Error& error);
int StatusFor(ErrorCode code);
std::string_view ErrorType(ErrorCode code);
std::string ErrorBody(const Error& error);

}  // namespace chorus::http
