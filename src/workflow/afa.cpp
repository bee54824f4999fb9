#include "aegis/afa.h"

#include "aegis/json.h"

namespace aegis {

AFABridge::AFABridge(const AegisConfig& config, Store* store)
    : owned_(std::make_unique<StoreDecisionService>(config, store)),
      service_(&owned_->service) {}

AFABridge::AFABridge(const DecisionService& service) : service_(&service) {}

AFABridge::~AFABridge() = default;
AFABridge::AFABridge(AFABridge&&) noexcept = default;

Evaluation AFABridge::decide(const DecisionRequest& req) const {
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"request_id", &req.request_id},
        {"candidate_id", &req.candidate_id},
        {"function_name", &req.function_name}}) {
    if (value->empty())
      throw_error(invalid_input("afa.required", field, std::string(field) + " is required"));
  }
  if (!req.metrics.is_object())
    throw_error(invalid_input("afa.wrong_type", "metrics", "metrics must be an object"));
  // The context: the request's metrics, with the bridge's fixed identity and phase.
  nlohmann::json ctx = req.metrics;
  for (const char* fixed : {"agent_id", "session_id", "phase", "proposal_summary", "metadata"}) {
    if (ctx.contains(fixed))
      throw_error(invalid_input("afa.fixed_field", std::string("metrics.") + fixed,
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
    throw_error(Error{ErrorKind::kInternal, "afa.store", "",
                      "the decision could not be stored; it was not returned"});
  return response_of(req, made.decision);
}

Result<DecisionRequest> AFABridge::request_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_input("afa.wrong_type", "", "a request must be an object");
  DecisionRequest r;
  for (const auto& item : j.items()) {
    const std::string key = item.key();
    const nlohmann::json& value = item.value();
    auto text = [&](std::string& out) -> std::optional<Error> {
      if (!value.is_string())
        return invalid_input("afa.wrong_type", key, key + " must be a string");
      out = value.get<std::string>();
      return std::nullopt;
    };
    std::optional<Error> e;
    if (key == "request_id")
      e = text(r.request_id);
    else if (key == "candidate_id")
      e = text(r.candidate_id);
    else if (key == "function_name")
      e = text(r.function_name);
    else if (key == "proposal_summary")
      e = text(r.proposal_summary);
    else if (key == "metrics")
      r.metrics = value;
    else if (key == "metadata")
      r.metadata = value;
    else
      e = invalid_input("afa.unknown_field", key, "unknown field \"" + key + "\"");
    if (e) return *e;
  }
  return r;
}

nlohmann::json AFABridge::response_to_json(const DecisionResponse& r) {
  return {{"request_id", r.request_id},    {"decision_id", r.decision_id},
          {"status", to_string(r.status)}, {"approved", r.approved},
          {"confidence", r.confidence},    {"failing_gates", r.failing_gates},
          {"rationale", r.rationale}};
}

}  // namespace aegis
