// Internal range checks shared by context validation and the gates. They allocate only when
// they fail (to build the error), so the gate path stays allocation-free.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "aegis/core/error.h"

namespace aegis::detail {

// `field` must be finite and in [0, 1] ("context.not_finite" / "context.out_of_range").
std::optional<Error> check_unit(std::string_view field, double v);
// `field` must be finite.
std::optional<Error> check_finite(std::string_view field, double v);
// Every subscore must be finite and in [0, 1]; the field named is "quality_subscores[i]".
std::optional<Error> check_subscores(std::span<const double> subscores);

}  // namespace aegis::detail
