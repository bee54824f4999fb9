// The Prometheus exporter counts what pcw_decide decides.
#include <gtest/gtest.h>

#include "aegis/core/json.h"
#include "aegis/telemetry/metrics.h"

namespace aegis {
namespace {

PCWContext ctx(double risk, PCWPhase phase) {
  return PCWContext{.agent_id = "a",
                    .session_id = "s",
                    .phase = phase,
                    .proposal_summary = "p",
                    .estimated_impact = "low",
                    .risk_baseline = 0.2,
                    .risk_proposed = risk,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.8};
}

TEST(Prometheus, CountsDecisionsAndGates) {
  PrometheusExporter p;
  pcw_decide(ctx(0.2, PCWPhase::COMMIT), {.prometheus_exporter = &p});
  pcw_decide(ctx(0.9, PCWPhase::WORK), {.prometheus_exporter = &p});
  const PCWDecision shadow =
      pcw_decide(ctx(0.9, PCWPhase::WORK), {.prometheus_exporter = &p, .shadow_mode = true});
  p.record_override("approved");
  p.record_http_request("/v1/evaluate", 200);
  const std::string t = p.text();
  EXPECT_NE(t.find(R"(aegis_decisions_total{phase="commit",shadow="false",status="proceed"} 1)"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find(R"(aegis_decisions_total{phase="work",shadow="false",status="halt"} 1)"),
            std::string::npos);
  EXPECT_NE(t.find(R"(aegis_decisions_total{phase="work",shadow="true",status="halt"} 1)"),
            std::string::npos);
  EXPECT_NE(t.find(R"(aegis_gate_evaluations_total{gate="risk",result="fail"} 2)"),
            std::string::npos);
  EXPECT_NE(t.find(R"(aegis_gate_evaluations_total{gate="risk",result="pass"} 1)"),
            std::string::npos);
  EXPECT_NE(t.find("aegis_decision_latency_seconds_count 3"), std::string::npos);
  EXPECT_NE(t.find(R"(aegis_overrides_total{outcome="approved"} 1)"), std::string::npos);
  EXPECT_NE(t.find(R"(aegis_http_requests_total{code="200",route="/v1/evaluate"} 1)"),
            std::string::npos);
  // Replaying the wire JSON counts the same way.
  PrometheusExporter replay;
  replay.on_decision_json(nlohmann::json::parse(decision_to_json(shadow)));
  EXPECT_NE(
      replay.text().find(R"(aegis_decisions_total{phase="work",shadow="true",status="halt"} 1)"),
      std::string::npos);
}

}  // namespace
}  // namespace aegis
