// C++ twin of the reference's pcw_decide() example: a high-impact deploy with a drift monitor.
#include <iostream>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/core/drift.h"
#include "aegis/core/gates.h"

int main() {
  using namespace aegis;
  const AegisConfig config = AegisConfig::default_config();
  const GateEvaluator evaluator = config.create_gate_evaluator();
  DriftMonitor drift_monitor = config.create_drift_monitor();
  std::vector<double> baseline;
  for (int i = 0; i < 10; ++i) baseline.insert(baseline.end(), {0.1, 0.12, 0.11, 0.13});
  drift_monitor.set_baseline(baseline);

  const PCWDecision decision = pcw_decide(
      PCWContext{
          .agent_id = "deploy-bot",
          .session_id = "deploy-123",
          .phase = PCWPhase::COMMIT,
          .proposal_summary = "Deploy v2.5 to production",
          .estimated_impact = "high",
          .risk_baseline = 0.1,
          .risk_proposed = 0.15,
          .profit_baseline = 1000.0,
          .profit_proposed = 1200.0,
          .novelty_score = 0.3,
          .complexity_score = 0.8,
          .quality_score = 0.9,
          .requires_human_approval = true,
      },
      {.gate_evaluator = &evaluator, .drift_monitor = &drift_monitor});

  std::cout << "Status: " << to_string(decision.status) << "\n";
  std::cout << "Confidence: " << decision.confidence << "\n";
  std::cout << "Rationale: " << decision.rationale << "\n";
  std::cout << "Next steps:";
  for (const auto& s : decision.next_steps) std::cout << " [" << s << "]";
  std::cout << "\n";

  switch (decision.status) {
    case PCWStatus::PROCEED:
      break;  // safe to continue
    case PCWStatus::HALT:
      break;  // must stop: check the rationale
    case PCWStatus::PAUSE:
    case PCWStatus::ESCALATE:
      break;  // requires human review
  }
  return 0;
}
