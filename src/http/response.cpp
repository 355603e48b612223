#include "http/response.h"

#include "base/strings.h"

namespace chorus::http {

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (IEquals(key, name)) return value;
  }
  return {};
}

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [key, existing] : headers) {
    if (IEquals(key, name)) {
      existing = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

// The one table from error code to HTTP status.
int StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMedia: return 415;
    case ErrorCode::kFailedPrecondition: return 422;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kCancelled: return 499;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kDataLoss: return 500;
    case ErrorCode::kAborted: return 503;
    case ErrorCode::kUpstream: return 502;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
  }
  return 500;
}

// OpenAI's "type" values, so that existing SDKs classify Chorus's errors the way they classify
// OpenAI's; the precise reason travels in "code".
std::string_view ErrorType(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnauthenticated: return "authentication_error";
    case ErrorCode::kPermissionDenied: return "permission_error";
    case ErrorCode::kRateLimited: return "rate_limit_error";
    case ErrorCode::kInternal:
    case ErrorCode::kDataLoss:
    case ErrorCode::kAborted:
    case ErrorCode::kUpstream:
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return "server_error";
    default:
      return "invalid_request_error";
  }
}

std::string ErrorBody(const Error& error) {
  std::string out = R"({"error":{"message":")";
  AppendJsonEscaped(out, error.message);
  out += R"(","type":")";
  out += ErrorType(error.code);
  out += R"(","param":)";
  if (error.param.empty()) {
    out += "null";
  } else {
    out += '"';
    AppendJsonEscaped(out, error.param);
    out += '"';
  }
  out += R"(,"code":")";
  out += ErrorCodeName(error.code);
  out += "\"}}";
  return out;
}

Response ErrorResponse(const Error& error) {
  if (error.code == ErrorCode::kInternal || error.code == ErrorCode::kDataLoss) {
    // The message of an internal error may hold library details: callers see a fixed text, and the
    // dispatcher logs the original with the request id.
    return Response::Json(StatusFor(error.code),
                          ErrorBody({error.code, "The server had an error while processing your request.", {}}));
  }
  Response r = Response::Json(StatusFor(error.code), ErrorBody(error));
  if (error.retry_after_seconds > 0) r.SetHeader("Retry-After", std::to_string(error.retry_after_seconds));
  return r;
}

}  // namespace chorus::http
