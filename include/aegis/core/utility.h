// The utility model behind the utility gate (docs/gates.md#utility): expected utility of a change
// net of its costs, and its lower confidence bound. Immutable values: thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "aegis/core/error.h"

namespace aegis {

class AegisConfig;

// What a change is expected to bring and cost.
struct UtilityComponents {
  double expected_benefit = 0.0;        // B, finite
  double benefit_std = 0.0;             // s ≥ 0
  int64_t n_samples = 1;                // n ≥ 1
  double disruption_probability = 0.0;  // d in [0, 1]
  double migration_cost = 0.0;          // M ≥ 0
};

// The computed utility. `lcb` is the one-sided lower confidence bound at level 1 − lcb_alpha.
struct UtilityResult {
  UtilityComponents components;
  double expected_utility = 0.0;  // E[U] = kappa·(B − gamma·s) − cost
  double standard_error = 0.0;    // SE = kappa·s/√n
  double lcb = 0.0;               // E[U] − z·SE
  double cost = 0.0;              // phi_S + phi_D·d + M
  double z = 0.0;                 // Φ⁻¹(1 − lcb_alpha)
  bool within_budget = true;      // M ≤ migration_budget
};

// Checks components against their ranges; the first violation as an Error naming the field
// ("utility.expected_benefit", ...), or nullopt.
std::optional<Error> validate_utility_components(const UtilityComponents& c);

// Checks a result's numbers are finite and its components valid (a result built by hand must
// not smuggle NaN into the gate).
std::optional<Error> validate_utility_result(const UtilityResult& r);

// Computes UtilityResults with a configuration's gamma, kappa, phi_S, phi_D, lcb_alpha and
// migration_budget. Thread-safe.
class UtilityCalculator {
 public:
  UtilityCalculator();  // default configuration
  explicit UtilityCalculator(const AegisConfig& config);

  // Throws InvalidInputError naming the field when `components` is out of range.
  UtilityResult compute(const UtilityComponents& components) const;

  double z() const noexcept { return z_; }

 private:
  double gamma_, kappa_, phi_S_, phi_D_, migration_budget_, z_;
};

}  // namespace aegis
