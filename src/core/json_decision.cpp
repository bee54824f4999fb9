// The decision writer: a PCWDecision as canonical JSON, with every field or a chosen set.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "json_writer.h"

namespace aegis {
namespace {

using detail::JsonWriter;

// Scratch space for messages, reused so that steady-state serialisation does not allocate.
std::string& scratch() {
  thread_local std::string s;
  s.clear();
  return s;
}

// Writes `"key":` and the number, or null when there is none.
void write_opt(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.key(key);
  if (v) {
    w.number(*v);
  } else {
    w.null();
  }
}

// Writes `"key":` and an array of the strings.
void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& items) {
  w.key(key);
  w.begin_array();
  for (const auto& s : items) {
    w.element();
    w.string(s);
  }
  w.end_array();
}

// Every object below is written with its keys in code-point order, so a decision's JSON is
// canonical (docs/decision-rules.md#wire-format) as written: its hash is the SHA-256 of these exact
// bytes.

// Gates by name in code-point order: complexity, novelty, profit, quality, risk, utility.
constexpr std::array<GateType, kGateCount> kGatesByName = {GateType::COMPLEXITY, GateType::NOVELTY,
                                                           GateType::PROFIT,     GateType::QUALITY,
                                                           GateType::RISK,       GateType::UTILITY};

}  // namespace

namespace detail {

void write_gate(JsonWriter& w, const GateResult& g) {
  w.begin_object();
  write_opt(w, "confidence", g.confidence);
  w.key("gate_type");
  w.string(to_string(g.gate_type));
  w.key("margin");
  w.number(g.margin());
  std::string& m = scratch();
  g.append_message(m);
  w.key("message");
  w.string(m);
  w.key("passed");
  w.boolean(g.passed);
  write_opt(w, "posterior_probability", g.posterior_probability);
  w.key("threshold");
  w.number(g.threshold);
  w.key("value");
  w.number(g.value);
  w.end_object();
}

void write_gate_evaluation(JsonWriter& w, const GateEvaluationResult& ge) {
  w.begin_object();
  w.key("all_passed");
  w.boolean(ge.all_passed);
  w.key("gates");
  w.begin_object();
  for (GateType t : kGatesByName) {
    const auto& g = ge.gates[static_cast<size_t>(t)];
    if (!g) continue;
    w.key(to_string(t));
    write_gate(w, *g);
  }
  w.end_object();
  w.key("min_confidence");
  w.number(ge.min_confidence);
  w.key("override_eligible");
  w.boolean(ge.override_eligible);
  w.end_object();
}

void write_drift(JsonWriter& w, const DriftResult& d) {
  w.begin_object();
  w.key("action");
  w.string(to_string(d.action));
  w.key("kl_divergence");
  w.number(d.kl_divergence);
  std::string& m = scratch();
  d.append_message(m);
  w.key("message");
  w.string(m);
  w.key("n_baseline");
  w.integer(d.n_baseline);
  w.key("n_current");
  w.integer(d.n_current);
  w.key("status");
  w.string(to_string(d.status));
  w.key("tau_critical");
  w.number(d.tau_critical);
  w.key("tau_warning");
  w.number(d.tau_warning);
  w.end_object();
}

}  // namespace detail

namespace {

// The decision trace: gates by name with their value, threshold and outcome.
void write_trace(JsonWriter& w, const DecisionTrace& t) {
  w.begin_object();
  w.key("config_hash");
  w.string(t.config_hash);
  w.key("engine_version");
  w.string(t.engine_version);
  w.key("evaluation_time_ns");
  w.integer(t.evaluation_time_ns);
  w.key("gates");
  w.begin_object();
  for (GateType type : kGatesByName) {
    const auto& r = t.gate_results[static_cast<size_t>(type)];
    if (!r) continue;
    w.key(to_string(type));
    w.begin_object();
    w.key("passed");
    w.boolean(r->passed);
    w.key("threshold");
    w.number(r->threshold);
    w.key("value");
    w.number(r->value);
    w.end_object();
  }
  w.end_object();
  w.key("phase");
  w.string(to_string(t.phase));
  w.key("x_P");
  w.number(t.x_P);
  w.key("x_R");
  w.number(t.x_R);
  w.end_object();
}

// The shadow run: baseline hash, drift result and observations.
void write_shadow(JsonWriter& w, const ShadowResult& s) {
  w.begin_object();
  w.key("baseline_hash");
  if (s.baseline_hash) {
    w.string(*s.baseline_hash);
  } else {
    w.null();
  }
  w.key("drift_result");
  if (s.drift_result) {
    detail::write_drift(w, *s.drift_result);
  } else {
    w.null();
  }
  w.key("observation_values");
  w.begin_array();
  for (double v : s.observation_values) {
    w.element();
    w.number(v);
  }
  w.end_array();
  w.key("shadow_only");
  w.boolean(s.shadow_only);
  w.end_object();
}

// Writes `"input":` and the name of the gate input.
void write_input(JsonWriter& w, const GateInputRef& input) {
  std::string& m = scratch();
  input.append_name(m);
  w.key("input");
  w.string(m);
}

// Writes `"counterfactuals":` and, for each, what the input would need to be.
void write_counterfactuals(JsonWriter& w, const std::vector<Counterfactual>& items) {
  w.key("counterfactuals");
  w.begin_array();
  for (const Counterfactual& c : items) {
    w.begin_object();
    w.key("achievable");
    w.boolean(c.achievable());
    w.key("current");
    w.number(c.current);
    w.key("gate");
    w.string(to_string(c.gate));
    write_input(w, c.input);
    w.key("relation");
    w.string(to_string(c.relation));
    write_opt(w, "required", c.required);
    w.end_object();
  }
  w.end_array();
}

// Writes `"headroom":` and, for each passing gate, how far its input may move.
void write_headroom(JsonWriter& w, const std::vector<GateHeadroom>& items) {
  w.key("headroom");
  w.begin_array();
  for (const GateHeadroom& h : items) {
    w.begin_object();
    w.key("current");
    w.number(h.current);
    w.key("gate");
    w.string(to_string(h.gate));
    write_input(w, h.input);
    write_opt(w, "limit", h.limit);
    w.key("relation");
    w.string(to_string(h.relation));
    w.end_object();
  }
  w.end_array();
}

// The decision's top-level fields, in the order written (code-point order).
enum Field : uint32_t {
  kConfidence,
  kConstraints,
  kCounterfactuals,
  kDecisionId,
  kDecisionTrace,
  kDriftResult,
  kFailingGates,
  kGateEvaluation,
  kGatesFailed,
  kGatesPassed,
  kHeadroom,
  kNextSteps,
  kOverrideEligible,
  kOverrideRequires,
  kRationale,
  kShadowResult,
  kStatus,
  kTimestamp,
  kFields
};
constexpr std::array<std::string_view, kFields> kFieldNames = {
    "confidence",    "constraints",   "counterfactuals",   "decision_id",       "decision_trace",
    "drift_result",  "failing_gates", "gate_evaluation",   "gates_failed",      "gates_passed",
    "headroom",      "next_steps",    "override_eligible", "override_requires", "rationale",
    "shadow_result", "status",        "timestamp"};

// Writes the decision's fields that are in `mask` (bit i for Field i), as one object.
void write_decision(JsonWriter& w, const PCWDecision& d, uint32_t mask) {
  const auto on = [mask](Field f) { return (mask >> f & 1u) != 0; };
  w.begin_object();
  if (on(kConfidence)) {
    w.key("confidence");
    w.number(d.confidence);
  }
  if (on(kConstraints)) write_strings(w, "constraints", d.constraints);
  if (on(kCounterfactuals)) write_counterfactuals(w, d.counterfactuals);
  if (on(kDecisionId)) {
    w.key("decision_id");
    w.string(d.decision_id);
  }
  if (on(kDecisionTrace)) {
    w.key("decision_trace");
    if (d.decision_trace) {
      write_trace(w, *d.decision_trace);
    } else {
      w.null();
    }
  }
  if (on(kDriftResult)) {
    w.key("drift_result");
    if (d.drift_result) {
      detail::write_drift(w, *d.drift_result);
    } else {
      w.null();
    }
  }
  if (on(kFailingGates)) write_strings(w, "failing_gates", d.failing_gates);
  if (on(kGateEvaluation)) {
    w.key("gate_evaluation");
    if (d.gate_evaluation) {
      detail::write_gate_evaluation(w, *d.gate_evaluation);
    } else {
      w.null();
    }
  }
  if (on(kGatesFailed)) {
    w.key("gates_failed");
    w.integer(d.gates_failed);
  }
  if (on(kGatesPassed)) {
    w.key("gates_passed");
    w.integer(d.gates_passed);
  }
  if (on(kHeadroom)) write_headroom(w, d.headroom);
  if (on(kNextSteps)) write_strings(w, "next_steps", d.next_steps);
  if (on(kOverrideEligible)) {
    w.key("override_eligible");
    w.boolean(d.override_eligible);
  }
  if (on(kOverrideRequires)) write_strings(w, "override_requires", d.override_requires);
  if (on(kRationale)) {
    w.key("rationale");
    w.string(d.rationale);
  }
  if (on(kShadowResult)) {
    w.key("shadow_result");
    if (d.shadow_result) {
      write_shadow(w, *d.shadow_result);
    } else {
      w.null();
    }
  }
  if (on(kStatus)) {
    w.key("status");
    w.string(to_string(d.status));
  }
  if (on(kTimestamp)) {
    char ts[32];
    w.key("timestamp");
    w.string(std::string_view(ts, detail::format_timestamp_to(ts, d.timestamp)));
  }
  w.end_object();
}

}  // namespace

void append_decision_json(std::string& out, const PCWDecision& decision) {
  JsonWriter w(out);
  write_decision(w, decision, ~uint32_t{0});
}

void append_decision_json(std::string& out, const PCWDecision& decision,
                          const DecisionFields& fields) {
  JsonWriter w(out);
  write_decision(w, decision, fields.mask());
}

Result<DecisionFields> DecisionFields::parse(std::string_view names, std::string_view field_name) {
  DecisionFields f;
  f.mask_ = 0;
  std::string known;
  for (std::string_view n : kFieldNames) {
    if (!known.empty()) known.append(", ");
    known.append(n);
  }
  while (true) {
    const size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty())
      return Error(errors::kJsonFields, std::string(field_name),
                   "an empty field name in the list (expected some of: " + known + ")");
    const auto it = std::find(kFieldNames.begin(), kFieldNames.end(), name);
    if (it == kFieldNames.end()) {
      std::string why = "\"";
      why.append(name).append("\" is not a top-level field of a decision (expected some of: ");
      why.append(known).append(")");
      return Error(errors::kJsonFields, std::string(field_name), why);
    }
    f.mask_ |= 1u << static_cast<uint32_t>(it - kFieldNames.begin());
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  return f;
}

std::string decision_to_json(const PCWDecision& decision) {
  std::string s;
  append_decision_json(s, decision);
  return s;
}

}  // namespace aegis
