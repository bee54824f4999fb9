// Errors of the AEGIS library: a typed error value for results where failure is expected, and the
// exceptions thrown at the API edges the reference defines. Thread-safe: plain values.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aegis {

// Broad category of an error; maps one-to-one onto the wire format's `error.code`.
enum class ErrorKind {
  kInvalidInput,     // "invalid_input": the caller's data is wrong; never retried as is.
  kNotFound,         // "not_found": a named file or record does not exist.
  kForbidden,        // "forbidden": the actor lacks a permission.
  kPayloadTooLarge,  // "payload_too_large": input over a documented size limit.
  kConflict,         // "conflict": the request does not fit the current state (a transition).
  kInternal,         // "internal": the engine failed; never turned into an approval.
};

// The wire name of `kind` ("invalid_input", ...).
std::string_view wire_code(ErrorKind kind) noexcept;

// An error value. `code` is a stable, module-qualified identifier (e.g. "context.out_of_range",
// "json.duplicate_key", "config.wrong_type") that callers may match on; `field` names the input
// field concerned (empty when none); `message` says what was expected and what came.
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string code;
  std::string field;
  std::string message;
};

// Makes an invalid-input error.
Error invalid_input(std::string code, std::string field, std::string message);

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
  const std::string& code() const noexcept { return error_.code; }

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
