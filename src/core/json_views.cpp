// The nlohmann::json forms of results, configs, contexts and errors, for tools and tests.
#include <string>

#include "aegis/core/context_fields.h"
#include "aegis/core/json.h"
#include "json_writer.h"

namespace aegis {

nlohmann::json gate_result_to_json(const GateResult& r) {
  std::string s;
  {
    detail::JsonWriter w(s);
    detail::write_gate(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json gate_evaluation_to_json(const GateEvaluationResult& r) {
  std::string s;
  {
    detail::JsonWriter w(s);
    detail::write_gate_evaluation(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json drift_result_to_json(const DriftResult& r) {
  std::string s;
  {
    detail::JsonWriter w(s);
    detail::write_drift(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json utility_result_to_json(const UtilityResult& r) {
  const UtilityComponents& c = r.components;
  return {{"components",
           {{"expected_benefit", c.expected_benefit},
            {"benefit_std", c.benefit_std},
            {"n_samples", c.n_samples},
            {"disruption_probability", c.disruption_probability},
            {"migration_cost", c.migration_cost}}},
          {"expected_utility", r.expected_utility},
          {"standard_error", r.standard_error},
          {"lcb", r.lcb},
          {"cost", r.cost},
          {"z", r.z},
          {"within_budget", r.within_budget}};
}

nlohmann::json config_to_json(const AegisParameters& p) {
  return {{"epsilon_R", p.epsilon_R},
          {"epsilon_P", p.epsilon_P},
          {"risk_trigger_factor", p.risk_trigger_factor},
          {"profit_trigger_factor", p.profit_trigger_factor},
          {"trigger_confidence_prob", p.trigger_confidence_prob},
          {"novelty_N0", p.novelty_N0},
          {"novelty_k", p.novelty_k},
          {"novelty_threshold", p.novelty_threshold},
          {"complexity_floor", p.complexity_floor},
          {"quality_min_score", p.quality_min_score},
          {"quality_no_zero_subscore", p.quality_no_zero_subscore},
          {"gamma", p.gamma},
          {"kappa", p.kappa},
          {"phi_S", p.phi_S},
          {"phi_D", p.phi_D},
          {"lcb_alpha", p.lcb_alpha},
          {"migration_budget", p.migration_budget},
          {"utility_threshold", p.utility_threshold},
          {"kl_drift",
           {{"tau_warning", p.kl_drift.tau_warning},
            {"tau_critical", p.kl_drift.tau_critical},
            {"window_days", p.kl_drift.window_days}}},
          {"telemetry_url", p.telemetry_url ? nlohmann::json(*p.telemetry_url) : nullptr},
          {"telemetry_allow_insecure", p.telemetry_allow_insecure},
          {"mcp_rate_limit", p.mcp_rate_limit},
          {"telemetry_encryption_public_key",
           p.telemetry_encryption_public_key ? nlohmann::json(*p.telemetry_encryption_public_key)
                                             : nullptr},
          {"telemetry_encryption_epoch_events", p.telemetry_encryption_epoch_events},
          {"telemetry_encryption_epoch_seconds", p.telemetry_encryption_epoch_seconds}};
}

nlohmann::json context_to_json(const PCWContext& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const ContextField& f : kContextFields) {
    const std::string name(f.name);
    switch (f.type) {
      case FieldType::kText:
      case FieldType::kImpact:
        j[name] = c.*f.text;
        break;
      case FieldType::kPhase:
        j[name] = to_string(c.phase);
        break;
      case FieldType::kNumber:
        j[name] = c.*f.number;
        break;
      case FieldType::kFlag:
        j[name] = c.*f.flag;
        break;
      case FieldType::kUnitList:
        j[name] = c.quality_subscores;
        break;
      case FieldType::kObject:
        j[name] = c.metadata.is_null() ? nlohmann::json::object() : c.metadata;
        break;
      case FieldType::kUtility:
        if (c.utility_result) j[name] = utility_result_to_json(*c.utility_result)["components"];
        break;
      case FieldType::kChangeType:  // kept in metadata.change_type
        break;
    }
  }
  return j;
}

nlohmann::json error_to_json(const Error& e) {
  nlohmann::json body = {{"code", wire_code(e.kind)}, {"detail", e.detail}, {"message", e.message}};
  if (!e.field.empty()) body["field"] = e.field;
  return {{"error", body}};
}

}  // namespace aegis
