#include "checks.h"

#include <cmath>
#include <string>

#include "aegis/core/errors.h"
#include "format.h"

namespace aegis::detail {

std::optional<Error> check_finite(std::string_view field, double v) {
  if (std::isfinite(v)) return std::nullopt;
  std::string f(field);
  return Error(errors::kContextNotFinite, f, f + " must be a finite number, got " + num(v));
}

std::optional<Error> check_unit(std::string_view field, double v) {
  if (v >= 0.0 && v <= 1.0) return std::nullopt;
  if (auto e = check_finite(field, v)) return e;
  std::string f(field);
  return Error(errors::kContextOutOfRange, f, f + " must be in [0, 1], got " + num(v));
}

std::optional<Error> check_subscores(std::span<const double> subscores) {
  for (size_t i = 0; i < subscores.size(); ++i) {
    if (subscores[i] >= 0.0 && subscores[i] <= 1.0) continue;
    return check_unit("quality_subscores[" + std::to_string(i) + "]", subscores[i]);
  }
  return std::nullopt;
}

}  // namespace aegis::detail
