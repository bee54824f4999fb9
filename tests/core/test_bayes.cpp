#include <cmath>
#include <limits>

#include "aegis/core/bayes.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::expect_close;
using testing::expected;

TEST(Normal, CdfAndSfMatchScipy) {
  for (const auto& row : expected()["normal_cdf"]) {
    const double x = row[0];
    expect_close(normal_cdf(x), row[1], 1e-13, "cdf at " + std::to_string(x));
  }
  for (const auto& row : expected()["normal_sf"]) {
    const double x = row[0];
    expect_close(normal_sf(x), row[1], 1e-13, "sf at " + std::to_string(x));
  }
}

TEST(Normal, QuantileMatchesScipy) {
  for (const auto& row : expected()["normal_quantile"]) {
    const double p = row[0];
    expect_close(normal_quantile(p), row[1], 1e-13, "quantile at " + std::to_string(p));
  }
}

TEST(Normal, QuantileInvertsCdf) {
  for (double p = 1e-6; p < 1.0; p += 0.0137) {
    expect_close(normal_cdf(normal_quantile(p)), p, 1e-13, "p=" + std::to_string(p));
  }
  // Above x ≈ 5, Φ(x) rounds so close to 1 that x is not recoverable from it: stop there.
  for (double x = -7.5; x <= 5.0; x += 0.31) {
    const double p = normal_cdf(x);
    if (p > 0.0 && p < 1.0) {
      EXPECT_NEAR(normal_quantile(p), x, 1e-9 * (1 + std::fabs(x)));
    }
  }
}

TEST(Normal, QuantileEdges) {
  EXPECT_EQ(normal_quantile(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(normal_quantile(-0.1)));
  EXPECT_TRUE(std::isnan(normal_quantile(1.1)));
  EXPECT_TRUE(std::isnan(normal_quantile(std::nan(""))));
  EXPECT_DOUBLE_EQ(normal_quantile(0.5), 0.0);
  EXPECT_NEAR(normal_quantile(0.95), 1.6448536269514722, 1e-15);
}

TEST(BayesianPosterior, MatchesClosedForm) {
  const BayesianPosterior bp;
  for (const auto& row : expected()["posterior"]) {
    const std::vector<double> obs = row["obs"];
    const Posterior post = bp.update(obs);
    expect_close(post.mean, row["mean"], 1e-14, "mean");
    expect_close(post.std, row["std"], 1e-14, "std");
    expect_close(bp.probability_exceeds(2.0, obs), row["p_exceeds_2"], 1e-12, "P");
  }
}

TEST(BayesianPosterior, SingleObservationIdentity) {
  // docs/gates.md#posterior: with one observation μ = 0.8·x, σ = √0.2.
  const BayesianPosterior bp;
  for (double x : {-3.0, 0.0, 0.7, 4.2}) {
    const Posterior post = bp.update(x);
    EXPECT_NEAR(post.mean, 0.8 * x, 1e-15);
    EXPECT_NEAR(post.std, std::sqrt(0.2), 1e-15);
  }
  const Posterior prior = bp.update(std::span<const double>{});
  EXPECT_EQ(prior.mean, 0.0);
  EXPECT_EQ(prior.std, 1.0);
}

TEST(BayesianPosterior, RejectsBadParameters) {
  EXPECT_EQ(testing::error_of([] { BayesianPosterior(0, 0, 0.5); }).field, "prior_std");
  EXPECT_EQ(testing::error_of([] { BayesianPosterior(0, 1, -1); }).field, "likelihood_std");
  EXPECT_EQ(testing::error_of([] { BayesianPosterior(std::nan(""), 1, 1); }).field, "prior_mean");
}

}  // namespace
}  // namespace aegis
