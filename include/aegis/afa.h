// The AFA bridge (INTERFACES §8): AFA decision requests in, compact responses out, decided by
// pcw_decide in the COMMIT phase as agent "afa". Not thread-safe when it has a store.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aegis/config.h"
#include "aegis/decide.h"
#include "aegis/store.h"

namespace aegis {

struct DecisionRequest {
  std::string request_id;
  std::string candidate_id;
  std::string function_name;
  std::string proposal_summary;
  nlohmann::json metrics = nlohmann::json::object();  // context fields (risk_proposed, ...)
  nlohmann::json metadata = nlohmann::json::object();
};

struct DecisionResponse {
  std::string request_id;
  std::string decision_id;
  PCWStatus status = PCWStatus::HALT;
  bool approved = false;  // status == PROCEED
  double confidence = 0.0;
  std::vector<std::string> failing_gates;
  std::string rationale;
};

class AFABridge {
 public:
  // `store` (borrowed, may be null) records every decision.
  explicit AFABridge(const AegisConfig& config = AegisConfig(), Store* store = nullptr);
  // InvalidInputError naming the field for a bad request (empty ids, unknown metric, bad value).
  DecisionResponse evaluate(const DecisionRequest& request);

  static Result<DecisionRequest> request_from_json(const nlohmann::json& j);
  static nlohmann::json response_to_json(const DecisionResponse& r);

 private:
  AegisConfig config_;
  GateEvaluator evaluator_;
  Store* store_;
};

}  // namespace aegis
