#include "aegis/error.h"

namespace aegis {

std::string_view wire_code(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidInput:
      return "invalid_input";
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kForbidden:
      return "forbidden";
    case ErrorKind::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorKind::kConflict:
      return "conflict";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "internal";
}

Error invalid_input(std::string code, std::string field, std::string message) {
  return Error{ErrorKind::kInvalidInput, std::move(code), std::move(field), std::move(message)};
}

AegisError::AegisError(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}

void throw_error(Error error) {
  switch (error.kind) {
    case ErrorKind::kInvalidInput:
    case ErrorKind::kPayloadTooLarge:
      throw InvalidInputError(std::move(error));
    case ErrorKind::kNotFound:
      throw NotFoundError(std::move(error));
    case ErrorKind::kForbidden:
      throw PermissionDeniedError(std::move(error));
    case ErrorKind::kConflict:
      throw ConflictError(std::move(error));
    case ErrorKind::kInternal:
      throw InternalError(std::move(error));
  }
  throw InternalError(std::move(error));
}

}  // namespace aegis
