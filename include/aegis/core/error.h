// Errors of the AEGIS library: a typed error value for results where failure is expected, and the
// exceptions thrown at the API edges the reference defines. Thread-safe: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aegis {

// What went wrong, in the engine's terms. Each kind maps, through kErrorKinds, onto one of the
// 11 wire `error.code` values, an HTTP status, a CLI exit code and a JSON-RPC code: there is no
// other place that decides a status. Several kinds share a wire code (a malformed body and an
// invalid value are both "invalid_input", answered 400 and 422).
enum class ErrorKind : uint8_t {
  kMalformed,             // the input is not well-formed (JSON syntax, unknown field): 400.
  kInvalidInput,          // well-formed, but a value is wrong: 422.
  kUnauthorized,          // no or a wrong credential: 401.
  kForbidden,             // the actor lacks a permission: 403.
  kNotFound,              // a named file, record or route does not exist: 404.
  kMethodNotAllowed,      // the route exists, the method does not: 405.
  kRequestTimeout,        // the request did not arrive in time: 408.
  kConflict,              // the request does not fit the current state (a transition): 409.
  kPayloadTooLarge,       // input over a documented size limit: 413.
  kUnsupportedMediaType,  // a body encoding the server does not read: 415.
  kRateLimited,           // over a rate limit; retry later: 429.
  kHeadersTooLarge,       // request headers over the limit: 431.
  kInternal,              // the engine failed; never turned into an approval: 500.
  kUnavailable,           // the service cannot take the request now (capacity): 503.
};

// How one kind shows on each interface.
struct ErrorKindInfo {
  ErrorKind kind;
  std::string_view name;       // the kind's own name, as docs/ERRORS.md shows it
  std::string_view wire_code;  // the wire `error.code`
  int http_status;
  int exit_code;     // the CLI's exit status: 3 invalid input, 4 internal failure
  int jsonrpc_code;  // JSON-RPC error code of an MCP message the JSON reader refuses this way
};

// One row per kind, in the enum's order.
inline constexpr ErrorKindInfo kErrorKinds[] = {
    {ErrorKind::kMalformed, "malformed", "invalid_input", 400, 3, -32700},
    {ErrorKind::kInvalidInput, "invalid", "invalid_input", 422, 3, -32602},
    {ErrorKind::kUnauthorized, "unauthorized", "unauthorized", 401, 3, -32600},
    {ErrorKind::kForbidden, "forbidden", "forbidden", 403, 3, -32600},
    {ErrorKind::kNotFound, "not_found", "not_found", 404, 3, -32602},
    {ErrorKind::kMethodNotAllowed, "method_not_allowed", "invalid_input", 405, 3, -32601},
    {ErrorKind::kRequestTimeout, "request_timeout", "request_timeout", 408, 3, -32600},
    {ErrorKind::kConflict, "conflict", "conflict", 409, 3, -32600},
    {ErrorKind::kPayloadTooLarge, "payload_too_large", "payload_too_large", 413, 3, -32600},
    {ErrorKind::kUnsupportedMediaType, "unsupported_media_type", "invalid_input", 415, 3, -32600},
    {ErrorKind::kRateLimited, "rate_limited", "rate_limited", 429, 3, -32600},
    {ErrorKind::kHeadersTooLarge, "headers_too_large", "headers_too_large", 431, 3, -32600},
    {ErrorKind::kInternal, "internal", "internal", 500, 4, -32603},
    {ErrorKind::kUnavailable, "unavailable", "unavailable", 503, 4, -32603},
};

// The row of `kind`.
constexpr const ErrorKindInfo& kind_info(ErrorKind kind) noexcept {
  return kErrorKinds[static_cast<size_t>(kind)];
}

// The wire name of `kind` ("invalid_input", ...).
constexpr std::string_view wire_code(ErrorKind kind) noexcept { return kind_info(kind).wire_code; }

// A detail code: the stable, module-qualified identifier callers match on ("json.unknown_field"),
// its kind, and what it means. Every detail is declared once, in its module's table in
// include/aegis/<layer>/errors.h (docs/ERRORS.md is generated from those tables).
struct ErrorCode {
  std::string_view detail;
  ErrorKind kind;
  std::string_view meaning;
};

// Declares a module's detail codes from an X-macro list of (constant, detail, kind, meaning):
// one `inline constexpr ErrorCode` per entry, in namespace aegis::errors, and the module's table
// `errors::kTable_<module>`.
#define AEGIS_ERROR_CODE_(name, detail, kind, meaning) \
  inline constexpr ErrorCode name{detail, ErrorKind::kind, meaning};
#define AEGIS_ERROR_ROW_(name, detail, kind, meaning) name,
#define AEGIS_ERROR_TABLE(module, LIST)                                    \
  namespace errors {                                                       \
  LIST(AEGIS_ERROR_CODE_)                                                  \
  inline constexpr ErrorCode kTable_##module[] = {LIST(AEGIS_ERROR_ROW_)}; \
  }

// An error value: the kind and detail of its ErrorCode, the input field concerned (empty when
// none) and a message saying what was expected and what came.
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string_view detail;  // an ErrorCode's detail: static storage
  std::string field;
  std::string message;

  Error() = default;
  Error(const ErrorCode& code, std::string in_field, std::string text)
      : kind(code.kind),
        detail(code.detail),
        field(std::move(in_field)),
        message(std::move(text)) {}
};

// Either a value or an Error (a minimal std::expected).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  // Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  // Precondition: !ok().
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Base of every exception the library throws; carries the Error value.
class AegisError : public std::runtime_error {
 public:
  explicit AegisError(Error error);
  const Error& error() const noexcept { return error_; }
  ErrorKind kind() const noexcept { return error_.kind; }
  const std::string& field() const noexcept { return error_.field; }
  std::string_view detail() const noexcept { return error_.detail; }

 private:
  Error error_;
};

// Invalid input (bad context, bad config value). Python: ValueError.
class InvalidInputError : public AegisError {
 public:
  using AegisError::AegisError;
};

// A named file does not exist. Python: FileNotFoundError.
class NotFoundError : public AegisError {
 public:
  using AegisError::AegisError;
};

// The actor lacks a permission. Python: PermissionError.
class PermissionDeniedError : public AegisError {
 public:
  using AegisError::AegisError;
};

// The request does not fit the current state (an illegal workflow transition, a duplicate
// vote). Python: ValueError.
class ConflictError : public AegisError {
 public:
  using AegisError::AegisError;
};

// The engine failed after validation; the caller must not treat the action as approved.
// Python: RuntimeError.
class InternalError : public AegisError {
 public:
  using AegisError::AegisError;
};

// Throws the exception class matching `error.kind`.
[[noreturn]] void throw_error(Error error);

}  // namespace aegis
