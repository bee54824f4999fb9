// C++ twin of the reference's "Quick Start" snippet. Prints the decision it reaches.
#include <iostream>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/core/gates.h"

int main() {
  using namespace aegis;
  const AegisConfig config = AegisConfig::default_config();
  const GateEvaluator evaluator = config.create_gate_evaluator();
  const PCWDecision decision = pcw_decide(
      PCWContext{
          .agent_id = "my-agent",
          .session_id = "session-1",
          .phase = PCWPhase::PLAN,
          .proposal_summary = "Add caching layer",
          .estimated_impact = "medium",
          .risk_proposed = 0.3,
          .complexity_score = 0.6,
      },
      {.gate_evaluator = &evaluator});
  if (decision.status == PCWStatus::PROCEED) std::cout << "Safe to proceed\n";

  // Beyond the snippet: what was decided and why.
  std::cout << "Status: " << to_string(decision.status) << "\n";
  std::cout << "Failing gates:";
  for (const auto& g : decision.failing_gates) std::cout << ' ' << g;
  std::cout << "\nRationale: " << decision.rationale << "\n";
  return 0;
}
