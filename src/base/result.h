// Errors as values. Every fallible call across a module boundary returns Result<T>: either a T or an
// Error{code, message}. Adapters turn their library's failures (SQLite codes, libpq states, Asio
// error_codes, FFmpeg AVERRORs) into an Error at their edge; http/ maps ErrorCode to a status and to
// the OpenAI error shape in one table. Exceptions mean a bug, never an expected failure.
//
// Written by hand because std::expected is C++23 and this project is C++20. The API mirrors
// std::expected (has_value, value, error, operator*, operator->) so moving to it is mechanical.
// boost::system::result was considered: it ties the error type to error_code-style throwing
// customisation points, which is more machinery than this 100-line type.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace chorus {

enum class ErrorCode {
  kInvalidArgument,     // the caller sent something malformed: 400
  kUnauthenticated,     // missing or bad credentials: 401
  kPermissionDenied,    // authenticated, but not allowed: 403
  kNotFound,            // no such resource (or not the caller's): 404
  kMethodNotAllowed,    // the path exists, the method does not: 405
  kAlreadyExists,       // a unique constraint was violated: 409
  kConflict,            // the resource is in a state that forbids this: 409
  kFailedPrecondition,  // a referenced row is missing or a rule forbids it: 422
  kPayloadTooLarge,     // body over the configured limit: 413
  kUnsupportedMedia,    // content type or format not accepted: 415
  kRateLimited,         // throttled: 429
  kCancelled,           // the operation was cancelled by its caller
  kDeadlineExceeded,    // a timeout elapsed: 504
  kUnavailable,         // a dependency is down or busy; retrying may help: 503
  kUpstream,            // a remote provider failed: 502
  kAborted,             // a transaction lost a race (serialization failure); retry the whole unit
  kDataLoss,            // stored data no longer matches what was written (checksum mismatch)
  kInternal,            // a bug or an unexpected library failure: 500
};

// Stable lower_snake_case name of a code, used in logs and in the "code" field of error responses.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // safe to show to the caller: never holds secrets or internals
  std::string param;    // the request field at fault, when there is one (OpenAI's "param")
  int retry_after_seconds = 0;  // kRateLimited/kUnavailable: when to try again (Retry-After)
};

inline Error MakeError(ErrorCode code, std::string message, std::string param = {}) {
  return Error{code, std::move(message), std::move(param)};
}

// Tag so that `return Unexpected(err);` reads like std::unexpected.
struct Unexpected {
  explicit Unexpected(Error e) : error(std::move(e)) {}
  Unexpected(ErrorCode code, std::string message, std::string param = {})
      : error{code, std::move(message), std::move(param)} {}
  Error error;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Unexpected u) : state_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT
  Result(Error e) : state_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(state_); }
  const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!has_value()); return std::get<1>(state_); }
  Error&& error() && { assert(!has_value()); return std::get<1>(std::move(state_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT
  Result(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { assert(ok_); }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace chorus

// Propagates an error from an expression returning Result<...>: `CHORUS_TRY(conn.Exec(...));`
// (The variable is named per line so that a CHORUS_TRY inside a lambda inside another does not
// shadow the outer one.)
#define CHORUS_TRY(expr)                                                                        \
  do {                                                                                          \
    if (auto CHORUS_CONCAT_(chorus_try_, __LINE__) = (expr); !CHORUS_CONCAT_(chorus_try_, __LINE__)) { \
      return ::chorus::Unexpected(std::move(CHORUS_CONCAT_(chorus_try_, __LINE__)).error());    \
    }                                                                                           \
  } while (false)

// Binds the value of a Result or propagates its error:
//   CHORUS_ASSIGN_OR_RETURN(auto rows, conn.Query(sql, params));
#define CHORUS_CONCAT_INNER_(a, b) a##b
#define CHORUS_CONCAT_(a, b) CHORUS_CONCAT_INNER_(a, b)
#define CHORUS_ASSIGN_OR_RETURN(decl, expr)                                          \
  auto CHORUS_CONCAT_(chorus_result_, __LINE__) = (expr);                            \
  if (!CHORUS_CONCAT_(chorus_result_, __LINE__)) {                                   \
    return ::chorus::Unexpected(std::move(CHORUS_CONCAT_(chorus_result_, __LINE__)).error()); \
  }                                                                                  \
  decl = std::move(*CHORUS_CONCAT_(chorus_result_, __LINE__))
