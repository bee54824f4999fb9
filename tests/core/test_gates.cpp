#include <cmath>

#include "aegis/core/context.h"
#include "aegis/core/gates.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::error_of;
using testing::expect_close;

TEST(RiskGate, MatchesScipy) {
  const GateEvaluator eval;
  for (const auto& row : testing::expected()["risk_gate"]) {
    const GateResult r = eval.evaluate_risk_gate(row["baseline"], row["proposed"]);
    expect_close(eval.normalised_risk(row["baseline"], row["proposed"]), row["x"], 1e-15, "x_R");
    expect_close(r.value, row["P"], 1e-12, "P");
    EXPECT_EQ(r.passed, row["passed"].get<bool>()) << row.dump();
    EXPECT_EQ(r.gate_type, GateType::RISK);
    EXPECT_EQ(r.threshold, 0.95);
    EXPECT_EQ(*r.posterior_probability, r.value);
    EXPECT_DOUBLE_EQ(*r.confidence, r.passed ? 1 - r.value : r.value);
    EXPECT_DOUBLE_EQ(r.margin(), r.value - r.threshold);
  }
}

TEST(RiskGate, DefaultTriggerPointIsAbout3_4195) {
  // docs/gates.md#risk: with defaults the gate fails iff x_R > 3.4195.
  const GateEvaluator eval;
  EXPECT_TRUE(eval.evaluate_risk_gate(0.1, 0.1 + 0.1 * 3.4190).passed);
  EXPECT_FALSE(eval.evaluate_risk_gate(0.1, 0.1 + 0.1 * 3.4200).passed);
}

TEST(RiskGate, ExactlyAtThresholdPasses) {
  const GateEvaluator eval;
  const double p = eval.evaluate_risk_gate(0.1, 0.44).value;  // some P in (0.5, 1)
  ASSERT_GT(p, 0.5);
  ASSERT_LT(p, 1.0);
  AegisParameters at;
  at.trigger_confidence_prob = p;
  EXPECT_TRUE(GateEvaluator(AegisConfig(at)).evaluate_risk_gate(0.1, 0.44).passed);
  AegisParameters below;
  below.trigger_confidence_prob = std::nextafter(p, 0.0);
  EXPECT_FALSE(GateEvaluator(AegisConfig(below)).evaluate_risk_gate(0.1, 0.44).passed);
}

TEST(ProfitGate, MatchesScipy) {
  const GateEvaluator eval;
  for (const auto& row : testing::expected()["profit_gate"]) {
    const GateResult r = eval.evaluate_profit_gate(row["baseline"], row["proposed"]);
    expect_close(r.value, row["P"], 1e-12, "P");
    EXPECT_EQ(r.passed, row["passed"].get<bool>()) << row.dump();
  }
}

TEST(NoveltyGate, MatchesScipyAndBoundary) {
  const GateEvaluator eval;
  for (const auto& row : testing::expected()["novelty_gate"]) {
    const GateResult r = eval.evaluate_novelty_gate(row["N"]);
    expect_close(r.value, row["G"], 1e-14, "G");
    EXPECT_EQ(r.passed, row["passed"].get<bool>()) << row.dump();
    EXPECT_FALSE(r.confidence.has_value());
  }
  // Default N = 0.5 gives G = 0.1192 and fails (documented).
  EXPECT_NEAR(eval.evaluate_novelty_gate(0.5).value, 0.11920292202211755, 1e-15);
  // G(N0) = 0.5 exactly: with threshold 0.5 the gate passes at the threshold.
  AegisParameters p;
  p.novelty_threshold = 0.5;
  const GateResult at = GateEvaluator(AegisConfig(p)).evaluate_novelty_gate(0.7);
  EXPECT_EQ(at.value, 0.5);
  EXPECT_TRUE(at.passed);
  EXPECT_FALSE(
      GateEvaluator(AegisConfig(p)).evaluate_novelty_gate(std::nextafter(0.7, 0.0)).passed);
}

TEST(ComplexityGate, HardFloorBoundary) {
  const GateEvaluator eval;
  EXPECT_TRUE(eval.evaluate_complexity_gate(0.5).passed);
  EXPECT_FALSE(eval.evaluate_complexity_gate(std::nextafter(0.5, 0.0)).passed);
  EXPECT_EQ(eval.evaluate_complexity_gate(0.3).value, 0.3);
  EXPECT_NE(eval.evaluate_complexity_gate(0.3).message().find("not overridable"),
            std::string::npos);
}

TEST(QualityGate, ThresholdAndZeroSubscore) {
  const GateEvaluator eval;
  const std::vector<double> ok = {0.9, 0.7, 0.8};
  EXPECT_TRUE(eval.evaluate_quality_gate(0.7, ok).passed);
  EXPECT_FALSE(eval.evaluate_quality_gate(std::nextafter(0.7, 0.0), ok).passed);
  const std::vector<double> zero = {0.9, 0.0, 0.0};
  const GateResult r = eval.evaluate_quality_gate(0.95, zero);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.note_index, 1);
  EXPECT_NE(r.message().find("quality_subscores[1] is 0"), std::string::npos) << r.message();
  AegisParameters p;
  p.quality_no_zero_subscore = false;
  EXPECT_TRUE(GateEvaluator(AegisConfig(p)).evaluate_quality_gate(0.95, zero).passed);
  EXPECT_TRUE(eval.evaluate_quality_gate(0.8, {}).passed);
}

TEST(Gates, InvalidInputNamesTheField) {
  const GateEvaluator eval;
  EXPECT_EQ(error_of([&] { eval.evaluate_risk_gate(NAN, 0.1); }).field, "risk_baseline");
  EXPECT_EQ(error_of([&] { eval.evaluate_risk_gate(0.1, 1.5); }).field, "risk_proposed");
  EXPECT_EQ(error_of([&] { eval.evaluate_risk_gate(0.1, -INFINITY); }).detail,
            "context.not_finite");
  EXPECT_EQ(error_of([&] { eval.evaluate_profit_gate(INFINITY, 1); }).field, "profit_baseline");
  EXPECT_EQ(error_of([&] { eval.evaluate_novelty_gate(-0.01); }).field, "novelty_score");
  EXPECT_EQ(error_of([&] { eval.evaluate_complexity_gate(NAN); }).field, "complexity_score");
  const std::vector<double> bad = {0.5, NAN};
  EXPECT_EQ(error_of([&] { eval.evaluate_quality_gate(0.8, bad); }).field, "quality_subscores[1]");
}

TEST(EvaluateAll, ReferenceExample) {
  const GateEvaluator eval = AegisConfig().create_gate_evaluator();
  const std::vector<double> subs = {0.9, 0.7, 0.8};
  const UtilityResult u =
      UtilityCalculator().compute({.expected_benefit = 1000, .benefit_std = 100, .n_samples = 10});
  const GateEvaluationResult r = eval.evaluate_all({.risk_baseline = 0.1,
                                                    .risk_proposed = 0.15,
                                                    .profit_baseline = 100,
                                                    .profit_proposed = 120,
                                                    .novelty_score = 0.85,
                                                    .complexity_score = 0.7,
                                                    .quality_score = 0.8,
                                                    .quality_subscores = subs,
                                                    .utility_result = &u});
  EXPECT_TRUE(r.all_passed);
  EXPECT_FALSE(r.override_eligible);
  EXPECT_EQ(r.passed_count(), 6);
  EXPECT_TRUE(r.get_failures().empty());
  double min_conf = 1.0;
  for (const auto& g : r.gates)
    if (g && g->confidence) min_conf = std::min(min_conf, *g->confidence);
  EXPECT_EQ(r.min_confidence, min_conf);
  EXPECT_LT(r.min_confidence, 1.0);
}

TEST(EvaluateAll, UtilityAbsentIsNotEvaluated) {
  const GateEvaluationResult r = GateEvaluator().evaluate_all(GateInputs{});
  EXPECT_EQ(r.get(GateType::UTILITY), nullptr);
  EXPECT_EQ(r.evaluated_count(), 5);
  // Defaults: novelty 0.5 fails, the rest pass.
  const auto failures = r.get_failures();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].gate_type, GateType::NOVELTY);
  EXPECT_TRUE(r.override_eligible);
}

TEST(EvaluateAll, FailuresInGateOrderAndComplexityBlocksOverride) {
  const UtilityResult u = UtilityCalculator().compute({.expected_benefit = 0});
  const std::vector<double> subs = {0.0};
  const GateEvaluationResult r = GateEvaluator().evaluate_all({.risk_proposed = 0.9,
                                                               .profit_baseline = 10,
                                                               .profit_proposed = -100,
                                                               .novelty_score = 0.1,
                                                               .complexity_score = 0.2,
                                                               .quality_score = 0.1,
                                                               .quality_subscores = subs,
                                                               .utility_result = &u});
  const auto f = r.get_failures();
  ASSERT_EQ(f.size(), 6u);
  for (size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f[i].gate_type, kAllGates[i]);
  EXPECT_FALSE(r.all_passed);
  EXPECT_FALSE(r.override_eligible);
}

TEST(EvaluateAll, FromContext) {
  PCWContext c{.agent_id = "a",
               .session_id = "s",
               .proposal_summary = "p",
               .estimated_impact = "low",
               .novelty_score = 0.9};
  const GateEvaluationResult r = GateEvaluator().evaluate_all(c);
  EXPECT_TRUE(r.all_passed);
  c.complexity_score = 2.0;
  EXPECT_EQ(error_of([&] { GateEvaluator().evaluate_all(c); }).field, "complexity_score");
}

TEST(GateType, Names) {
  for (GateType g : kAllGates) EXPECT_EQ(parse_gate_type(to_string(g)), g);
  EXPECT_EQ(to_string(GateType::COMPLEXITY), "complexity");
  EXPECT_FALSE(parse_gate_type("Risk").has_value());
}

}  // namespace
}  // namespace aegis
