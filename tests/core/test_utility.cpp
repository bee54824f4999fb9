#include <cmath>

#include "aegis/core/config.h"
#include "aegis/core/gates.h"
#include "aegis/core/utility.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::error_of;
using testing::expect_close;

TEST(Utility, MatchesIndependentValues) {
  const UtilityCalculator calc = AegisConfig().create_utility_calculator();
  const GateEvaluator eval;
  for (const auto& row : testing::expected()["utility"]) {
    const UtilityResult r = calc.compute({.expected_benefit = row["B"],
                                          .benefit_std = row["s"],
                                          .n_samples = row["n"],
                                          .disruption_probability = row["d"],
                                          .migration_cost = row["M"]});
    expect_close(r.cost, row["cost"], 1e-15, "cost");
    expect_close(r.expected_utility, row["expected_utility"], 1e-14, "E[U]");
    expect_close(r.standard_error, row["standard_error"], 1e-14, "SE");
    expect_close(r.lcb, row["lcb"], 1e-12, "LCB");
    expect_close(r.z, row["z"], 1e-14, "z");
    EXPECT_EQ(r.within_budget, row["within_budget"].get<bool>());
    const GateResult g = eval.evaluate_utility_gate(r);
    EXPECT_EQ(g.passed, r.lcb > 0 && r.within_budget);
    EXPECT_EQ(g.value, r.lcb);
    const double p = row["p"];
    expect_close(*g.confidence, g.passed ? p : 1 - p, 1e-12, "confidence");
  }
}

TEST(Utility, ZAtDefaultAlpha) { EXPECT_NEAR(UtilityCalculator().z(), 1.6448536269514722, 1e-15); }

TEST(Utility, RejectsBadComponents) {
  const UtilityCalculator calc;
  EXPECT_EQ(error_of([&] { calc.compute({.expected_benefit = NAN}); }).field,
            "utility.expected_benefit");
  EXPECT_EQ(error_of([&] { calc.compute({.expected_benefit = 1, .benefit_std = -1}); }).field,
            "utility.benefit_std");
  EXPECT_EQ(error_of([&] { calc.compute({.expected_benefit = 1, .n_samples = 0}); }).field,
            "utility.n_samples");
  EXPECT_EQ(
      error_of([&] { calc.compute({.expected_benefit = 1, .disruption_probability = 1.5}); }).field,
      "utility.disruption_probability");
  EXPECT_EQ(error_of([&] { calc.compute({.expected_benefit = 1, .migration_cost = -5}); }).field,
            "utility.migration_cost");
  EXPECT_EQ(error_of([&] { calc.compute({.expected_benefit = INFINITY}); }).detail,
            "utility.out_of_range");
}

TEST(Utility, GateBoundaryIsStrict) {
  // Passes iff LCB > threshold: exactly at the threshold fails.
  const UtilityResult r = UtilityCalculator().compute({.expected_benefit = 500.0});
  ASSERT_EQ(r.lcb, 400.0);  // 500 − 100 setup cost, SE = 0
  AegisParameters at;
  at.utility_threshold = r.lcb;
  EXPECT_FALSE(GateEvaluator(AegisConfig(at)).evaluate_utility_gate(r).passed);
  AegisParameters below;
  below.utility_threshold = std::nextafter(r.lcb, -INFINITY);
  EXPECT_TRUE(GateEvaluator(AegisConfig(below)).evaluate_utility_gate(r).passed);
}

TEST(Utility, OverBudgetFailsEvenWithPositiveLcb) {
  const UtilityResult r =
      UtilityCalculator().compute({.expected_benefit = 1e6, .migration_cost = 5000.5});
  EXPECT_FALSE(r.within_budget);
  const GateResult g = GateEvaluator().evaluate_utility_gate(r);
  EXPECT_FALSE(g.passed);
  EXPECT_EQ(g.note, GateNote::kOverBudget);
  EXPECT_NE(g.message().find("budget"), std::string::npos);
  // Exactly at the budget is within it.
  EXPECT_TRUE(
      UtilityCalculator().compute({.expected_benefit = 1e6, .migration_cost = 5000}).within_budget);
}

TEST(Utility, HandBuiltResultWithNaNIsRejected) {
  UtilityResult r;
  r.lcb = NAN;
  EXPECT_EQ(error_of([&] { GateEvaluator().evaluate_utility_gate(r); }).field, "utility.lcb");
}

}  // namespace
}  // namespace aegis
