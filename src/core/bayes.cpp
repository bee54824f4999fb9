#include "aegis/core/bayes.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "aegis/core/error.h"
#include "aegis/core/errors.h"

namespace aegis {

double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double normal_sf(double x) noexcept { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

namespace {

// Acklam's approximation for the lower half, p in (0, 0.5].
double lower_quantile(double p) noexcept {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // One Halley step on Φ(x) − p; in the lower half Φ(x) is computed without cancellation.
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

}  // namespace

double normal_quantile(double p) noexcept {
  if (!(p >= 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  // 1 − p is exact for p ≥ 0.5, so the upper half mirrors the lower one.
  return p <= 0.5 ? lower_quantile(p) : -lower_quantile(1.0 - p);
}

BayesianPosterior::BayesianPosterior(double prior_mean, double prior_std, double likelihood_std)
    : prior_mean_(prior_mean), prior_std_(prior_std), likelihood_std_(likelihood_std) {
  auto bad = [](const char* field, double v) {
    throw_error(Error(errors::kBayesInvalidParameter, field,
                      std::string(field) + " must be finite" +
                          (std::string(field) == "prior_mean" ? "" : " and > 0") + ", got " +
                          std::to_string(v)));
  };
  if (!std::isfinite(prior_mean)) bad("prior_mean", prior_mean);
  if (!(std::isfinite(prior_std) && prior_std > 0)) bad("prior_std", prior_std);
  if (!(std::isfinite(likelihood_std) && likelihood_std > 0)) bad("likelihood_std", likelihood_std);
  prior_precision_ = 1.0 / (prior_std * prior_std);
  likelihood_precision_ = 1.0 / (likelihood_std * likelihood_std);
}

Posterior BayesianPosterior::update(std::span<const double> observations) const noexcept {
  double sum = 0.0;
  for (double x : observations) sum += x;
  const double precision =
      prior_precision_ + static_cast<double>(observations.size()) * likelihood_precision_;
  return {(prior_mean_ * prior_precision_ + sum * likelihood_precision_) / precision,
          std::sqrt(1.0 / precision)};
}

Posterior BayesianPosterior::update(double observation) const noexcept {
  return update(std::span<const double>(&observation, 1));
}

double BayesianPosterior::probability_exceeds(double threshold,
                                              std::span<const double> observations) const noexcept {
  const Posterior post = update(observations);
  return normal_sf((threshold - post.mean) / post.std);
}

double BayesianPosterior::probability_exceeds(double threshold, double observation) const noexcept {
  return probability_exceeds(threshold, std::span<const double>(&observation, 1));
}

}  // namespace aegis
