// The standard normal distribution and the Normal–Normal conjugate posterior behind the risk and
// profit gates (docs/gates.md#posterior). Pure functions and an immutable value type: thread-safe.
#pragma once

#include <span>

namespace aegis {

// Φ(x), the standard normal CDF. Accurate to a few ulps in both tails (uses erfc).
double normal_cdf(double x) noexcept;

// 1 − Φ(x), computed without cancellation for large x.
double normal_sf(double x) noexcept;

// Φ⁻¹(p) for p in (0, 1); −inf at 0, +inf at 1, NaN outside [0, 1] or for NaN.
// Acklam's rational approximation refined by one Halley step: relative error ~1e-15.
double normal_quantile(double p) noexcept;

// Mean and standard deviation of a normal posterior.
struct Posterior {
  double mean = 0.0;
  double std = 1.0;
};

// Normal–Normal conjugate model with known likelihood variance: prior N(prior_mean, prior_std²),
// each observation x_i ~ N(Δ, likelihood_std²). Defaults μ0 = 0, σ0 = 1, σL = 0.5.
class BayesianPosterior {
 public:
  // Throws InvalidInputError when a parameter is non-finite or a standard deviation is not > 0.
  explicit BayesianPosterior(double prior_mean = 0.0, double prior_std = 1.0,
                             double likelihood_std = 0.5);

  double prior_mean() const noexcept { return prior_mean_; }
  double prior_std() const noexcept { return prior_std_; }
  double likelihood_std() const noexcept { return likelihood_std_; }

  // The posterior after `observations` (the prior itself when empty). Non-finite observations
  // give a NaN posterior, which every gate treats as a failure.
  Posterior update(std::span<const double> observations) const noexcept;
  Posterior update(double observation) const noexcept;

  // P(Δ ≥ threshold | observations) = 1 − Φ((threshold − μ)/σ).
  double probability_exceeds(double threshold, std::span<const double> observations) const noexcept;
  double probability_exceeds(double threshold, double observation) const noexcept;

 private:
  double prior_mean_;
  double prior_std_;
  double likelihood_std_;
  double prior_precision_;       // 1/σ0²
  double likelihood_precision_;  // 1/σL²
};

}  // namespace aegis
