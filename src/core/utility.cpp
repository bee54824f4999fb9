#include "aegis/core/utility.h"

#include <cmath>

#include "aegis/core/bayes.h"
#include "aegis/core/config.h"
#include "aegis/core/errors.h"
#include "format.h"

namespace aegis {
namespace {

Error bad(const char* field, const std::string& expected, double v) {
  return Error(
      errors::kUtilityOutOfRange, std::string("utility.") + field,
      std::string("utility.") + field + " must be " + expected + ", got " + detail::num(v));
}

}  // namespace

std::optional<Error> validate_utility_components(const UtilityComponents& c) {
  if (!std::isfinite(c.expected_benefit))
    return bad("expected_benefit", "finite", c.expected_benefit);
  if (!(std::isfinite(c.benefit_std) && c.benefit_std >= 0))
    return bad("benefit_std", "finite and >= 0", c.benefit_std);
  if (c.n_samples < 1) return bad("n_samples", "an integer >= 1", static_cast<double>(c.n_samples));
  if (!(c.disruption_probability >= 0 && c.disruption_probability <= 1))
    return bad("disruption_probability", "in [0, 1]", c.disruption_probability);
  if (!(std::isfinite(c.migration_cost) && c.migration_cost >= 0))
    return bad("migration_cost", "finite and >= 0", c.migration_cost);
  return std::nullopt;
}

std::optional<Error> validate_utility_result(const UtilityResult& r) {
  if (auto e = validate_utility_components(r.components)) return e;
  const std::pair<const char*, double> nums[] = {{"expected_utility", r.expected_utility},
                                                 {"standard_error", r.standard_error},
                                                 {"lcb", r.lcb},
                                                 {"cost", r.cost},
                                                 {"z", r.z}};
  for (const auto& [name, v] : nums)
    if (!std::isfinite(v)) return bad(name, "finite", v);
  if (r.standard_error < 0) return bad("standard_error", ">= 0", r.standard_error);
  return std::nullopt;
}

UtilityCalculator::UtilityCalculator() : UtilityCalculator(AegisConfig()) {}

UtilityCalculator::UtilityCalculator(const AegisConfig& config) {
  const AegisParameters& p = config.parameters();
  gamma_ = p.gamma;
  kappa_ = p.kappa;
  phi_S_ = p.phi_S;
  phi_D_ = p.phi_D;
  migration_budget_ = p.migration_budget;
  z_ = normal_quantile(1.0 - p.lcb_alpha);
}

UtilityResult UtilityCalculator::compute(const UtilityComponents& c) const {
  if (auto e = validate_utility_components(c)) throw_error(std::move(*e));
  UtilityResult r;
  r.components = c;
  r.cost = phi_S_ + phi_D_ * c.disruption_probability + c.migration_cost;
  r.expected_utility = kappa_ * (c.expected_benefit - gamma_ * c.benefit_std) - r.cost;
  r.standard_error = kappa_ * c.benefit_std / std::sqrt(static_cast<double>(c.n_samples));
  r.z = z_;
  r.lcb = r.expected_utility - z_ * r.standard_error;
  r.within_budget = c.migration_cost <= migration_budget_;
  if (!std::isfinite(r.lcb) || !std::isfinite(r.expected_utility)) {
    throw_error(
        Error(errors::kUtilityOverflow, "utility", "utility components overflow the double range"));
  }
  return r;
}

}  // namespace aegis
