// The AFA bridge: requests in, compact responses out.
#include <gtest/gtest.h>

#include "aegis/workflow/afa.h"

namespace aegis {
namespace {

DecisionRequest request(nlohmann::json metrics) {
  return {"req-1", "cand-7", "optimise_portfolio", "rebalance", std::move(metrics), {{"k", 1}}};
}

TEST(Afa, ProceedAndHalt) {
  AFABridge bridge;
  const DecisionResponse ok = bridge.evaluate(request({{"estimated_impact", "low"},
                                                       {"risk_baseline", 0.2},
                                                       {"risk_proposed", 0.2},
                                                       {"novelty_score", 0.8},
                                                       {"complexity_score", 0.8},
                                                       {"quality_score", 0.8}}));
  EXPECT_EQ(ok.request_id, "req-1");
  EXPECT_EQ(ok.status, PCWStatus::PROCEED);
  EXPECT_TRUE(ok.approved);
  EXPECT_EQ(ok.decision_id.size(), 36u);
  const DecisionResponse halt = bridge.evaluate(request({{"risk_proposed", 0.3}}));
  EXPECT_EQ(halt.status, PCWStatus::HALT);  // default impact medium, reversible
  EXPECT_FALSE(halt.approved);
  EXPECT_EQ(halt.failing_gates, (std::vector<std::string>{"risk", "novelty"}));
  const auto j = AFABridge::response_to_json(halt);
  EXPECT_EQ(j["status"], "halt");
  EXPECT_EQ(j["approved"], false);
}

TEST(Afa, BadRequestsNameTheField) {
  AFABridge bridge;
  auto field_of = [&](const DecisionRequest& r) {
    try {
      bridge.evaluate(r);
    } catch (const InvalidInputError& e) {
      return e.field();
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(field_of(request({{"risk_proposed", 1.5}})), "metrics.risk_proposed");
  EXPECT_EQ(field_of(request({{"risk_propsed", 0.1}})), "metrics.risk_propsed");
  EXPECT_EQ(field_of(request({{"agent_id", "someone"}})), "metrics.agent_id");
  DecisionRequest no_id = request({});
  no_id.request_id = "";
  EXPECT_EQ(field_of(no_id), "request_id");
  auto parsed = AFABridge::request_from_json({{"request_id", "r"}, {"bogus", 1}});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().field, "bogus");
  auto good = AFABridge::request_from_json({{"request_id", "r"},
                                            {"candidate_id", "c"},
                                            {"function_name", "f"},
                                            {"metrics", {{"risk_proposed", 0.1}}}});
  ASSERT_TRUE(good);
  EXPECT_EQ(good.value().metrics["risk_proposed"], 0.1);
}

}  // namespace
}  // namespace aegis
