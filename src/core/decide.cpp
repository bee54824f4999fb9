#include "aegis/core/decide.h"

#include <atomic>
#include <cmath>

#include "aegis/core/errors.h"
#include "aegis/core/uuid.h"
#include "aegis/core/version.h"
#include "checks.h"
#include "format.h"

namespace aegis {

std::string_view to_string(PCWStatus v) noexcept { return name_in(kStatusNames, v, "halt"); }

std::optional<PCWStatus> parse_status(std::string_view s) noexcept {
  return value_in<kStatusNames>(s);
}

namespace {

using detail::append_num4;

std::atomic<uint64_t> g_side_channel_failures{0};

const GateEvaluator& default_evaluator() {
  static const GateEvaluator evaluator;
  return evaluator;
}

// Why a context needs a human, given its risk gate result; empty when it does not.
struct HumanReasons {
  bool high_impact = false;
  bool irreversible = false;
  bool requested = false;
  bool risk_failed = false;
  bool risk_posterior = false;
  bool any() const {
    return high_impact || irreversible || requested || risk_failed || risk_posterior;
  }
};

HumanReasons human_reasons(const PCWContext& ctx, const GateResult& risk) {
  HumanReasons r;
  const Impact impact = context_impact(ctx);
  r.high_impact = impact == Impact::HIGH || impact == Impact::CRITICAL;
  r.irreversible = !ctx.reversible;
  r.requested = ctx.requires_human_approval;
  r.risk_failed = !risk.passed;
  // Written so that a NaN posterior also asks for a human.
  r.risk_posterior = !(risk.posterior_probability.value_or(1.0) < 0.5);
  return r;
}

void append_gate_item(std::string& s, const GateResult& g) {
  s += to_string(g.gate_type);
  s += " (value ";
  append_num4(s, g.value);
  s += ", threshold ";
  append_num4(s, g.threshold);
  s += ')';
}

void append_drift_item(std::string& s, const DriftResult& d) {
  s += "drift (KL ";
  append_num4(s, d.kl_divergence);
  s += ", threshold ";
  append_num4(s, d.tau_critical);
  s += ')';
}

void notify(DecisionObserver* observer, const PCWContext& ctx, const PCWDecision& d) noexcept {
  if (!observer) return;
  try {
    observer->on_decision(ctx, d);
  } catch (...) {
    g_side_channel_failures.fetch_add(1, std::memory_order_relaxed);
  }
}

// The rule that decides a context, in the order the rules apply (docs/decision-rules.md).
enum class Rule { kComplexityFloor, kEscalate, kOverridable, kHumanApproval, kProceed };

// How a context was classified: the rule, and what its rationale names.
struct Verdict {
  Rule rule = Rule::kProceed;
  Impact impact = Impact::LOW;
  HumanReasons human;  // why a human must approve; set when no gate fails
};

// Lists the failing gates (in gate order, then critical drift) in d.failing_gates and, with
// their values, in `failing`; counts them; sets the status and override eligibility.
Verdict classify(const PCWContext& ctx, const GateEvaluationResult& ge,
                 const std::optional<DriftResult>& drift, std::string& failing, PCWDecision& d) {
  const bool drift_critical = drift && drift->status == DriftStatus::CRITICAL;

  // Strings are built in place (reserve + append): a rejected proposal otherwise pays for a
  // dozen temporaries.
  d.failing_gates.reserve(kGateCount + 1);
  failing.reserve(160);
  for (const auto& g : ge.gates) {
    if (!g || g->passed) continue;
    d.failing_gates.emplace_back(to_string(g->gate_type));
    if (!failing.empty()) failing += ", ";
    append_gate_item(failing, *g);
  }
  if (drift_critical) {
    d.failing_gates.emplace_back(kDriftFailure);
    if (!failing.empty()) failing += ", ";
    append_drift_item(failing, *drift);
  }
  d.gates_passed = ge.passed_count();
  d.gates_failed = static_cast<int>(d.failing_gates.size());
  d.confidence = ge.min_confidence;

  const GateResult& risk = *ge.get(GateType::RISK);
  const GateResult& complexity = *ge.get(GateType::COMPLEXITY);
  Verdict v;
  v.impact = context_impact(ctx);
  if (!complexity.passed) {
    d.status = PCWStatus::HALT;
    v.rule = Rule::kComplexityFloor;
  } else if (!d.failing_gates.empty()) {
    const bool high = v.impact == Impact::HIGH || v.impact == Impact::CRITICAL;
    if (high || !ctx.reversible) {
      d.status = PCWStatus::ESCALATE;
      v.rule = Rule::kEscalate;
    } else {
      d.status = PCWStatus::HALT;
      v.rule = Rule::kOverridable;
    }
    d.override_eligible = true;
    d.override_requires = {"risk_lead", "security_lead"};
  } else if (v.human = human_reasons(ctx, risk); v.human.any()) {
    d.status = PCWStatus::PAUSE;
    v.rule = Rule::kHumanApproval;
  } else {
    d.status = PCWStatus::PROCEED;
    v.rule = Rule::kProceed;
  }
  return v;
}

// " gate failed" or " gates failed", after the count of failing items.
const char* gates_failed_word(int gates_failed) {
  return gates_failed == 1 ? " gate failed" : " gates failed";
}

// Appends to `why` the human-approval reasons of a PAUSE, comma-separated, then a period.
void append_human_reasons(std::string& why, const HumanReasons& hr, Impact impact,
                          const GateResult& risk) {
  const char* sep = "";
  if (hr.high_impact) {
    why.append("impact is ").append(to_string(impact));
    sep = ", ";
  }
  if (hr.irreversible) {
    why.append(sep).append("the action is not reversible");
    sep = ", ";
  }
  if (hr.requested) {
    why.append(sep).append("requires_human_approval is set");
    sep = ", ";
  }
  if (hr.risk_posterior) {
    why.append(sep).append("the risk posterior ");
    append_num4(why, risk.value);
    why.append(" is >= 0.5");
  }
  why += '.';
}

// Appends the drift warning to the rationale and adds it to the constraints.
void warn_drift(const DriftResult& drift, PCWDecision& d) {
  std::string c = "drift_warning: KL=";
  append_num4(c, drift.kl_divergence);
  c += " >= ";
  append_num4(c, drift.tau_warning);
  d.rationale += " Drift warning: KL=";
  append_num4(d.rationale, drift.kl_divergence);
  d.rationale += " >= ";
  append_num4(d.rationale, drift.tau_warning);
  d.rationale += ".";
  d.constraints.push_back(std::move(c));
}

// Writes d.rationale: why the verdict's rule decided, then any drift warning.
void write_rationale(const PCWContext& ctx, const GateEvaluationResult& ge, const Verdict& v,
                     const std::string& failing, const std::optional<DriftResult>& drift,
                     PCWDecision& d) {
  std::string& why = d.rationale;
  why.reserve(failing.size() + 160);
  switch (v.rule) {
    case Rule::kComplexityFloor: {
      const GateResult& complexity = *ge.get(GateType::COMPLEXITY);
      why += "HALT: complexity ";
      append_num4(why, complexity.value);
      why += " is below the hard floor ";
      append_num4(why, complexity.threshold);
      why.append(", which no override can lift; failing: ").append(failing).append(".");
      break;
    }
    case Rule::kEscalate: {
      const bool high = v.impact == Impact::HIGH || v.impact == Impact::CRITICAL;
      why.append("ESCALATE: ").append(std::to_string(d.gates_failed));
      why.append(gates_failed_word(d.gates_failed));
      if (high && !ctx.reversible) {
        why.append(" on an irreversible ").append(to_string(v.impact)).append("-impact action");
      } else if (high) {
        why.append(" on a ").append(to_string(v.impact)).append("-impact action");
      } else {
        why.append(" on an irreversible action");
      }
      why.append(": ").append(failing).append(".");
      break;
    }
    case Rule::kOverridable:
      why.append("HALT: ").append(std::to_string(d.gates_failed));
      why.append(gates_failed_word(d.gates_failed));
      why.append(": ").append(failing).append(
          "; eligible for a two-key override (risk_lead and security_lead).");
      break;
    case Rule::kHumanApproval:
      why.append("PAUSE: all ").append(std::to_string(d.gates_passed));
      why.append(" evaluated gates passed, but human approval is required: ");
      append_human_reasons(why, v.human, v.impact, *ge.get(GateType::RISK));
      break;
    case Rule::kProceed:
      why.append("PROCEED: all ").append(std::to_string(d.gates_passed));
      why.append(" evaluated gates passed.");
      break;
  }
  if (drift && drift->status == DriftStatus::WARNING) warn_drift(*drift, d);
}

// Appends one next step, `text`.
void add_step(std::vector<std::string>& steps, std::string_view text) {
  std::string& s = steps.emplace_back();
  s.reserve(text.size());
  s.append(text);
}

// Adds a step naming the failing gates after `prefix`, then what would pass each: one step per
// achievable counterfactual.
void add_failure_steps(PCWDecision& d, std::string_view prefix,
                       const std::vector<Counterfactual>& counterfactuals) {
  std::string& s = d.next_steps.emplace_back(prefix);
  for (size_t i = 0; i < d.failing_gates.size(); ++i) {
    if (i) s += ", ";
    s += d.failing_gates[i];
  }
  for (const Counterfactual& c : counterfactuals)
    if (c.achievable()) d.next_steps.push_back(counterfactual_step(c));
}

// Writes d.next_steps for the verdict's rule.
void write_next_steps(const Verdict& v, const std::vector<Counterfactual>& counterfactuals,
                      PCWDecision& d) {
  std::vector<std::string>& steps = d.next_steps;
  steps.reserve(2 + counterfactuals.size());
  switch (v.rule) {
    case Rule::kComplexityFloor:
      add_step(steps,
               "Redesign the proposal to reduce its complexity: the complexity floor cannot be "
               "overridden");
      add_failure_steps(d, "Address the failing gates: ", counterfactuals);
      break;
    case Rule::kEscalate:
      add_step(steps, "Escalate to the Risk Lead for review");
      add_failure_steps(d, "Prepare a justification for the failing gates: ", counterfactuals);
      break;
    case Rule::kOverridable:
      add_failure_steps(d, "Address the failing gates: ", counterfactuals);
      add_step(steps, "Or request a two-key override signed by risk_lead and security_lead");
      break;
    case Rule::kHumanApproval:
      add_step(steps, "Obtain human approval before proceeding");
      break;
    case Rule::kProceed:
      add_step(steps, "Proceed with the change");
      add_step(steps, "Monitor for drift after rollout");
      break;
  }
}

PCWDecision decide_validated(const PCWContext& ctx, const DecideOptions& opt,
                             std::chrono::steady_clock::time_point t0) {
  const GateEvaluator& eval = opt.gate_evaluator ? *opt.gate_evaluator : default_evaluator();
  PCWDecision d;
  const GateInputs inputs = gate_inputs(ctx);
  GateEvaluationResult ge = eval.evaluate_all(inputs);
  GateExplanation why_not = explain_gates(eval, inputs, ge);

  std::optional<DriftResult> drift;
  if (opt.drift_monitor) {
    opt.drift_monitor->add_observation(ctx.risk_proposed);
    drift = opt.drift_monitor->evaluate();
  }

  std::string failing;  // the failing items with their values, for the rationale
  const Verdict verdict = classify(ctx, ge, drift, failing, d);
  write_rationale(ctx, ge, verdict, failing, drift, d);
  write_next_steps(verdict, why_not.counterfactuals, d);

  d.decision_id = new_uuid_v4();
  d.timestamp =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());

  const double x_R = eval.normalised_risk(ctx.risk_baseline, ctx.risk_proposed);
  const double x_P = eval.normalised_profit(ctx.profit_baseline, ctx.profit_proposed);
  if (opt.shadow_mode) {
    ShadowResult s;
    s.drift_result = drift;
    s.observation_values = {x_R, x_P};
    if (opt.drift_monitor) s.baseline_hash = opt.drift_monitor->baseline_hash();
    d.shadow_result = std::move(s);
  }
  d.drift_result = drift;
  DecisionTrace trace;
  trace.config_hash = eval.config().config_hash();
  trace.engine_version = kEngineVersion;
  trace.x_R = x_R;
  trace.x_P = x_P;
  trace.gate_results = ge.gates;
  d.gate_evaluation = std::move(ge);
  trace.phase = ctx.phase;
  trace.evaluation_time_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  d.decision_trace = std::move(trace);
  d.counterfactuals = std::move(why_not.counterfactuals);
  d.headroom = std::move(why_not.headroom);
  return d;
}

}  // namespace

PCWDecision pcw_decide(const PCWContext& context, const DecideOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  if (auto e = validate_context(context)) throw_error(std::move(*e));
  if (options.rbac_enforcer) {
    if (auto e = options.rbac_enforcer->check(context.agent_id, "decide"))
      throw_error(std::move(*e));  // rbac.denied: forbidden
  }
  PCWDecision decision;
  try {
    decision = decide_validated(context, options, t0);
  } catch (const InternalError&) {
    throw;
  } catch (const std::exception& e) {
    // Fail closed: whatever went wrong after validation, the caller gets no decision.
    throw_error(Error{errors::kDecideInternal, "",
                      std::string("decision failed after validation: ") + e.what()});
  }
  notify(options.prometheus_exporter, context, decision);
  notify(options.telemetry_emitter, context, decision);
  return decision;
}

bool require_human_approval(const PCWContext& context, const GateEvaluator* gate_evaluator) {
  if (auto e = validate_context(context)) throw_error(std::move(*e));
  const GateEvaluator& eval = gate_evaluator ? *gate_evaluator : default_evaluator();
  return human_reasons(context,
                       eval.evaluate_risk_gate(context.risk_baseline, context.risk_proposed))
      .any();
}

bool quick_risk_check(std::string_view agent_id, std::string_view action_description,
                      double risk_score, double threshold) {
  if (agent_id.empty())
    throw_error(Error(errors::kContextRequired, "agent_id", "agent_id is required (non-empty)"));
  if (!is_valid_utf8(agent_id))
    throw_error(Error(errors::kContextInvalidUtf8, "agent_id", "agent_id is not valid UTF-8"));
  if (!is_valid_utf8(action_description))
    throw_error(Error(errors::kContextInvalidUtf8, "action_description",
                      "action_description is not valid UTF-8"));
  if (auto e = detail::check_unit("risk_score", risk_score)) throw_error(std::move(*e));
  if (auto e = detail::check_unit("threshold", threshold)) throw_error(std::move(*e));
  return risk_score < threshold;
}

uint64_t side_channel_failures() noexcept {
  return g_side_channel_failures.load(std::memory_order_relaxed);
}

}  // namespace aegis
