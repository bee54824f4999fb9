#include "aegis/core/error.h"

namespace aegis {

namespace {

constexpr bool kinds_in_enum_order() {
  for (size_t i = 0; i < std::size(kErrorKinds); ++i)
    if (static_cast<size_t>(kErrorKinds[i].kind) != i) return false;
  return std::size(kErrorKinds) == static_cast<size_t>(ErrorKind::kUnavailable) + 1;
}
static_assert(kinds_in_enum_order(), "kErrorKinds must list every kind in the enum's order");

}  // namespace

AegisError::AegisError(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}

void throw_error(Error error) {
  switch (error.kind) {
    case ErrorKind::kMalformed:
    case ErrorKind::kInvalidInput:
    case ErrorKind::kMethodNotAllowed:
    case ErrorKind::kRequestTimeout:
    case ErrorKind::kPayloadTooLarge:
    case ErrorKind::kUnsupportedMediaType:
    case ErrorKind::kRateLimited:
    case ErrorKind::kHeadersTooLarge:
      throw InvalidInputError(std::move(error));
    case ErrorKind::kNotFound:
      throw NotFoundError(std::move(error));
    case ErrorKind::kUnauthorized:
    case ErrorKind::kForbidden:
      throw PermissionDeniedError(std::move(error));
    case ErrorKind::kConflict:
      throw ConflictError(std::move(error));
    case ErrorKind::kInternal:
    case ErrorKind::kUnavailable:
      throw InternalError(std::move(error));
  }
  throw InternalError(std::move(error));
}

}  // namespace aegis
