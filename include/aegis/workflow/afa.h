// The AFA bridge (docs/interfaces.md#afa-bridge): AFA decision requests in, compact responses out,
// decided by the one decision pipeline (DecisionService) in the COMMIT phase as agent "afa".
// decide() is thread-safe; evaluate() is when the service is.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"

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
  // `store` (borrowed, may be null) records every decision, through a decision log of the
  // bridge's own.
  explicit AFABridge(const AegisConfig& config = AegisConfig(), Store* store = nullptr);
  // Decides through `service` (borrowed), which records.
  explicit AFABridge(const DecisionService& service);
  ~AFABridge();
  AFABridge(AFABridge&&) noexcept;

  // Decides and records (waits until durable). InvalidInputError naming the field for a bad
  // request (empty ids, unknown metric, bad value); InternalError when it could not be stored.
  DecisionResponse evaluate(const DecisionRequest& request);
  // Decides without recording: the caller records `Evaluation::entry()` (the server does so
  // without blocking). Throws as evaluate() does.
  Evaluation decide(const DecisionRequest& request) const;
  static DecisionResponse response_of(const DecisionRequest& request, const PCWDecision& d);

  static Result<DecisionRequest> request_from_json(const nlohmann::json& j);
  static nlohmann::json response_to_json(const DecisionResponse& r);

 private:
  std::unique_ptr<StoreDecisionService> owned_;  // when built on a config and a store
  const DecisionService* service_;
};

}  // namespace aegis
