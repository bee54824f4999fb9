#include "aegis/workflow/afa.h"

#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/workflow/errors.h"

namespace aegis {

AFABridge::AFABridge(const AegisConfig& config, Store* store)
    : owned_(std::make_unique<StoreDecisionService>(config, store)), service_(&owned_->service) {}

AFABridge::AFABridge(const DecisionService& service) : service_(&service) {}

AFABridge::~AFABridge() = default;
AFABridge::AFABridge(AFABridge&&) noexcept = default;

Evaluation AFABridge::decide(const DecisionRequest& req) const {
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"request_id", &req.request_id},
        {"candidate_id", &req.candidate_id},
        {"function_name", &req.function_name}}) {
    if (value->empty())
      throw_error(Error(errors::kAfaRequired, field, std::string(field) + " is required"));
  }
  if (!req.metrics.is_object())
    throw_error(Error(errors::kAfaWrongType, "metrics", "metrics must be an object"));
  // The context: the request's metrics, with the bridge's fixed identity and phase.
  nlohmann::json ctx = req.metrics;
  for (const char* fixed : {"agent_id", "session_id", "phase", "proposal_summary", "metadata"}) {
    if (ctx.contains(fixed))
      throw_error(Error(errors::kAfaFixedField, std::string("metrics.") + fixed,
                        std::string("metrics.") + fixed + " is set by the bridge"));
  }
  ctx["agent_id"] = "afa";
  ctx["session_id"] = req.request_id;
  ctx["phase"] = "commit";
  ctx["proposal_summary"] = req.proposal_summary.empty() ? req.function_name : req.proposal_summary;
  if (!ctx.contains("estimated_impact")) ctx["estimated_impact"] = "medium";
  nlohmann::json meta = req.metadata.is_object() ? req.metadata : nlohmann::json::object();
  meta["candidate_id"] = req.candidate_id;
  meta["function_name"] = req.function_name;
  meta["request_id"] = req.request_id;
  ctx["metadata"] = meta;
  ContextParser parser = service_->parser({});
  auto made = service_->evaluate(ctx.dump(), parser);
  if (!made) {
    Error e = made.error();
    if (!e.field.empty() && e.field.rfind("metadata", 0) != 0) e.field = "metrics." + e.field;
    throw_error(std::move(e));
  }
  return std::move(made).value();
}

DecisionResponse AFABridge::response_of(const DecisionRequest& req, const PCWDecision& d) {
  return {req.request_id, d.decision_id,   d.status,   d.status == PCWStatus::PROCEED,
          d.confidence,   d.failing_gates, d.rationale};
}

DecisionResponse AFABridge::evaluate(const DecisionRequest& req) {
  Evaluation made = decide(req);
  if (!service_->record_and_wait({made.entry()}))
    throw_error(
        Error{errors::kAfaStore, "", "the decision could not be stored; it was not returned"});
  return response_of(req, made.decision);
}

Result<DecisionRequest> AFABridge::request_from_json(const nlohmann::json& j) {
  try {
    const StrictObject in(
        j,
        {"request_id", "candidate_id", "function_name", "proposal_summary", "metrics", "metadata"},
        errors::kAfaWrongType);
    DecisionRequest r;
    r.request_id = in.string("request_id").value_or("");
    r.candidate_id = in.string("candidate_id").value_or("");
    r.function_name = in.string("function_name").value_or("");
    r.proposal_summary = in.string("proposal_summary").value_or("");
    if (const nlohmann::json* m = in.find("metrics")) r.metrics = *m;
    if (const nlohmann::json* m = in.find("metadata")) r.metadata = *m;
    return r;
  } catch (const AegisError& e) {
    return e.error();
  }
}

nlohmann::json AFABridge::response_to_json(const DecisionResponse& r) {
  return {{"request_id", r.request_id},    {"decision_id", r.decision_id},
          {"status", to_string(r.status)}, {"approved", r.approved},
          {"confidence", r.confidence},    {"failing_gates", r.failing_gates},
          {"rationale", r.rationale}};
}

}  // namespace aegis
