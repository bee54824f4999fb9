// Counterfactuals and headroom (docs/decision-rules.md#explanations): exact boundaries, the inputs
// listed per gate, the budget that binds migration_cost, hand-made utility results, and the wire
// form. The broad agreement with an independent oracle is python/tests/test_counterfactuals.py.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "aegis/core/counterfactual.h"
#include "aegis/core/decide.h"
#include "aegis/core/json.h"

namespace aegis {
namespace {

PCWContext base() {
  return PCWContext{.agent_id = "a",
                    .session_id = "s",
                    .proposal_summary = "p",
                    .estimated_impact = "low",
                    .risk_baseline = 0.2,
                    .risk_proposed = 0.2,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.8};
}

const Counterfactual* find(const PCWDecision& d, std::string_view input) {
  for (const auto& c : d.counterfactuals)
    if (c.input.name() == input) return &c;
  return nullptr;
}

const GateHeadroom* room(const PCWDecision& d, std::string_view input) {
  for (const auto& h : d.headroom)
    if (h.input.name() == input) return &h;
  return nullptr;
}

TEST(Counterfactual, RiskBoundaryIsTheLastPassingDouble) {
  PCWContext c = base();
  c.risk_proposed = 0.9;
  const PCWDecision d = pcw_decide(c);
  const Counterfactual* cf = find(d, "risk_proposed");
  ASSERT_NE(cf, nullptr);
  ASSERT_TRUE(cf->achievable());
  EXPECT_EQ(cf->relation, Relation::kAtMost);
  const GateEvaluator ev;
  EXPECT_TRUE(ev.evaluate_risk_gate(0.2, *cf->required).passed);
  EXPECT_FALSE(ev.evaluate_risk_gate(0.2, std::nextafter(*cf->required, 1.0)).passed);
  // Closed form with the defaults: x_R ≤ 3.4195 → risk_proposed ≤ 0.2 + 3.4195·0.2.
  EXPECT_NEAR(*cf->required, 0.2 + 3.41950113 * 0.2, 1e-7);
}

TEST(Counterfactual, EveryInputOfAFailingGateIsListedAndPassingGatesGetHeadroom) {
  PCWContext c = base();
  c.novelty_score = 0.5;
  c.quality_subscores = {0.7, 0.0, 0.0};
  const PCWDecision d = pcw_decide(c);
  EXPECT_NE(find(d, "novelty_score"), nullptr);
  // Two zero subscores: neither alone flips the gate.
  ASSERT_NE(find(d, "quality_subscores[1]"), nullptr);
  EXPECT_FALSE(find(d, "quality_subscores[1]")->achievable());
  EXPECT_FALSE(find(d, "quality_subscores[2]")->achievable());
  EXPECT_EQ(find(d, "quality_subscores[0]"), nullptr);
  EXPECT_EQ(find(d, "quality_score"), nullptr);  // its own condition already holds
  EXPECT_EQ(find(d, "quality_subscores[1]")->relation, Relation::kNotEqual);
  // Headroom: risk can rise to its boundary; complexity may fall to the floor.
  ASSERT_NE(room(d, "complexity_score"), nullptr);
  EXPECT_EQ(*room(d, "complexity_score")->limit, 0.5);
  ASSERT_NE(room(d, "risk_proposed"), nullptr);
  EXPECT_EQ(room(d, "risk_proposed")->relation, Relation::kAtMost);

  c.quality_subscores = {0.7, 0.0};
  const PCWDecision one = pcw_decide(c);
  ASSERT_TRUE(find(one, "quality_subscores[1]")->achievable());
  EXPECT_EQ(*find(one, "quality_subscores[1]")->required, 0.0);
}

TEST(Counterfactual, HeadroomIsEmptyWhenNoValidValueFails) {
  PCWContext c = base();
  c.risk_baseline = 0.5;  // x_R = (1 − 0.5)/0.5 = 1 at most: never past 3.42
  c.risk_proposed = 0.5;
  const PCWDecision d = pcw_decide(c);
  ASSERT_NE(room(d, "risk_proposed"), nullptr);
  EXPECT_FALSE(room(d, "risk_proposed")->limit.has_value());
}

UtilityResult utility(double benefit, double cost) {
  return UtilityCalculator().compute(
      {.expected_benefit = benefit, .benefit_std = 10, .n_samples = 4, .migration_cost = cost});
}

TEST(Counterfactual, TheBudgetBindsMigrationCostNonStrictly) {
  PCWContext c = base();
  c.utility_result = utility(20000, 6000);  // the bound clears θ by far; over the 5,000 budget
  const PCWDecision d = pcw_decide(c);
  const Counterfactual* m = find(d, "utility.migration_cost");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->relation, Relation::kAtMost);
  EXPECT_EQ(*m->required, 5000.0);
  // Over budget, no other component can pass the gate.
  EXPECT_FALSE(find(d, "utility.expected_benefit")->achievable());
  EXPECT_FALSE(find(d, "utility.benefit_std")->achievable());

  c.utility_result = utility(100, 10);  // within budget; the bound is what fails
  const PCWDecision e = pcw_decide(c);
  const Counterfactual* b = find(e, "utility.expected_benefit");
  ASSERT_TRUE(b && b->achievable());
  EXPECT_EQ(b->relation, Relation::kAbove);
  const GateEvaluator ev;
  const UtilityCalculator calc;
  auto passes = [&](double benefit) {
    return ev
        .evaluate_utility_gate(calc.compute(
            {.expected_benefit = benefit, .benefit_std = 10, .n_samples = 4, .migration_cost = 10}))
        .passed;
  };
  EXPECT_FALSE(passes(*b->required));                           // strict: fails at the boundary ...
  EXPECT_TRUE(passes(std::nextafter(*b->required, INFINITY)));  // ... passes just beyond
  const Counterfactual* n = find(e, "utility.n_samples");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->relation, Relation::kAtLeast);
}

TEST(Counterfactual, AHandMadeUtilityResultGetsNoUtilityEntries) {
  PCWContext c = base();
  UtilityResult made = utility(100, 10);
  made.lcb -= 1.0;  // not what these components give
  c.utility_result = made;
  const PCWDecision d = pcw_decide(c);
  ASSERT_FALSE(d.gate_evaluation->get(GateType::UTILITY)->passed);
  for (const auto& cf : d.counterfactuals) EXPECT_NE(cf.gate, GateType::UTILITY);
  for (const auto& h : d.headroom) EXPECT_NE(h.gate, GateType::UTILITY);
}

TEST(Counterfactual, StepsRoundTowardPassing) {
  Counterfactual c{
      GateType::RISK, {GateInputField::kRiskProposed}, 0.9, 0.0442199, Relation::kAtMost};
  EXPECT_EQ(counterfactual_step(c), "Lower risk_proposed to at most 0.04421 to pass the risk gate");
  c = {GateType::NOVELTY, {GateInputField::kNoveltyScore}, 0.5, 0.7400001, Relation::kAtLeast};
  EXPECT_EQ(counterfactual_step(c),
            "Raise novelty_score to at least 0.7401 to pass the novelty gate");
  c = {GateType::UTILITY, {GateInputField::kExpectedBenefit}, 100, 132.44, Relation::kAbove};
  EXPECT_EQ(counterfactual_step(c),
            "Raise utility.expected_benefit above 132.5 to pass the utility gate");
  c = {GateType::PROFIT, {GateInputField::kProfitProposed}, -1, -0.0341950113, Relation::kAtLeast};
  EXPECT_EQ(counterfactual_step(c),
            "Raise profit_proposed to at least -0.03419 to pass the profit gate");
  c = {GateType::UTILITY, {GateInputField::kBenefitStd}, 50, 9.99951, Relation::kBelow};
  EXPECT_EQ(counterfactual_step(c),
            "Lower utility.benefit_std below 9.999 to pass the utility gate");
  c = {GateType::UTILITY, {GateInputField::kMigrationCost}, 50, 10.00049, Relation::kAtMost};
  EXPECT_EQ(counterfactual_step(c),
            "Lower utility.migration_cost to at most 10 to pass the utility gate");
  c = {GateType::UTILITY, {GateInputField::kNSamples}, 4, 1234567.0, Relation::kAtLeast};
  EXPECT_EQ(counterfactual_step(c),
            "Raise utility.n_samples to at least 1234567 to pass the utility gate");
  c = {GateType::QUALITY, {GateInputField::kQualitySubscore, 3}, 0, 0.0, Relation::kNotEqual};
  EXPECT_EQ(counterfactual_step(c), "Make quality_subscores[3] non-zero to pass the quality gate");
}

TEST(Counterfactual, WireFormIsCanonicalWithNullWhenUnachievable) {
  PCWContext c = base();
  c.quality_subscores = {0.0, 0.0};
  c.risk_proposed = 0.9;
  const PCWDecision d = pcw_decide(c);
  const std::string text = decision_to_json(d);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(canonical_json(j), text);
  bool saw_null = false, saw_number = false;
  for (const auto& cf : j["counterfactuals"]) {
    EXPECT_EQ(cf.size(), 6u);
    EXPECT_EQ(cf["achievable"].get<bool>(), !cf["required"].is_null());
    saw_null |= cf["required"].is_null();
    saw_number |= cf["required"].is_number();
  }
  EXPECT_TRUE(saw_null && saw_number);
  EXPECT_EQ(j["counterfactuals"][0]["input"], "risk_proposed");
  EXPECT_EQ(j["counterfactuals"][0]["relation"], "<=");
  for (const auto& h : j["headroom"]) EXPECT_EQ(h.size(), 5u);
}

}  // namespace
}  // namespace aegis
