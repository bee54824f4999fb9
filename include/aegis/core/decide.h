// The decision function (docs/decision-rules.md#decision-rules): validates a context, evaluates the
// gates and drift, and returns a PCWDecision that can be logged, replayed and explained. pcw_decide
// is thread-safe when its drift monitor (if any) is not shared between threads.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/context.h"
#include "aegis/core/counterfactual.h"
#include "aegis/core/drift.h"
#include "aegis/core/gates.h"
#include "aegis/core/names.h"

namespace aegis {

// Decision outcome. Wire form: "proceed", "pause", "halt", "escalate".
enum class PCWStatus { PROCEED, PAUSE, HALT, ESCALATE };
// The wire names of PCWStatus, one per value.
inline constexpr EnumName<PCWStatus> kStatusNames[] = {
    {PCWStatus::PROCEED, "proceed"},
    {PCWStatus::PAUSE, "pause"},
    {PCWStatus::HALT, "halt"},
    {PCWStatus::ESCALATE, "escalate"},
};
std::string_view to_string(PCWStatus status) noexcept;
std::optional<PCWStatus> parse_status(std::string_view s) noexcept;

// What a decision's failing_gates may hold: the gates' names, and "drift" when critical drift
// escalated it.
inline constexpr std::string_view kDriftFailure = "drift";
inline constexpr auto kFailingGateNames = [] {
  std::array<std::string_view, std::size(kGateNames) + 1> names{};
  for (size_t i = 0; i < std::size(kGateNames); ++i) names[i] = kGateNames[i].name;
  names.back() = kDriftFailure;
  return names;
}();

// What the engine saw and computed, for replay and explanation.
struct DecisionTrace {
  std::string config_hash;
  std::string engine_version;
  double x_R = 0.0;  // normalised risk change fed to the posterior
  double x_P = 0.0;  // normalised profit change
  std::array<std::optional<GateResult>, kGateCount> gate_results;
  int64_t evaluation_time_ns = 0;
  PCWPhase phase = PCWPhase::PLAN;  // the context's phase, so stored decisions can be replayed
};

// Attached when shadow_mode is set: the decision was computed but must not be enforced.
struct ShadowResult {
  std::optional<DriftResult> drift_result;
  std::vector<double> observation_values;  // [x_R, x_P]
  std::optional<std::string> baseline_hash;
  bool shadow_only = true;
};

struct PCWDecision {
  PCWStatus status = PCWStatus::HALT;
  double confidence = 0.0;
  int gates_passed = 0;
  int gates_failed = 0;  // includes CRITICAL drift, so it equals failing_gates.size()
  std::vector<std::string> failing_gates;
  std::string rationale;
  std::vector<std::string> next_steps;
  std::vector<std::string> constraints;
  std::string decision_id;                          // UUIDv4
  std::chrono::system_clock::time_point timestamp;  // UTC, millisecond precision
  bool override_eligible = false;
  std::vector<std::string> override_requires;
  std::optional<GateEvaluationResult> gate_evaluation;
  std::optional<DecisionTrace> decision_trace;
  std::optional<ShadowResult> shadow_result;
  std::optional<DriftResult> drift_result;
  // What would pass: per failing gate, each single input that flips it; per passing gate, how far
  // each input may move (docs/decision-rules.md#explanations). Each achievable counterfactual is
  // also a next step.
  std::vector<Counterfactual> counterfactuals;
  std::vector<GateHeadroom> headroom;
};

// Side channel that receives every decision (telemetry emitter, Prometheus exporter, audit
// store). It must not change the decision; pcw_decide catches anything it throws and counts
// it in side_channel_failures(). A shadow decision carries shadow_result.
class DecisionObserver {
 public:
  virtual ~DecisionObserver() = default;
  virtual void on_decision(const PCWContext& context, const PCWDecision& decision) = 0;
};

// Permission check plugged in by RBAC. Returns nullopt when `actor_id` holds `permission`,
// else the error pcw_decide raises as it is (RBACEnforcer's: errors::kRbacDenied, forbidden).
class PermissionChecker {
 public:
  virtual ~PermissionChecker() = default;
  virtual std::optional<Error> check(std::string_view actor_id,
                                     std::string_view permission) const = 0;
};

// Optional collaborators of pcw_decide; all borrowed, none owned.
struct DecideOptions {
  const GateEvaluator* gate_evaluator = nullptr;  // default configuration when null
  DecisionObserver* prometheus_exporter = nullptr;
  const PermissionChecker* rbac_enforcer = nullptr;
  bool shadow_mode = false;
  DriftMonitor* drift_monitor = nullptr;
  DecisionObserver* telemetry_emitter = nullptr;
};

// Decides. Throws InvalidInputError (bad context), PermissionDeniedError (RBAC), or
// InternalError (failure after validation: never a PROCEED).
PCWDecision pcw_decide(const PCWContext& context, const DecideOptions& options = {});

// True iff impact is high/critical, or not reversible, or requires_human_approval, or the risk
// gate fails, or the risk posterior P ≥ 0.5. Throws InvalidInputError on a bad context.
bool require_human_approval(const PCWContext& context,
                            const GateEvaluator* gate_evaluator = nullptr);

// risk_score < threshold. Throws InvalidInputError for non-finite or out-of-range input
// (risk_score and threshold in [0, 1]) or an empty agent_id.
bool quick_risk_check(std::string_view agent_id, std::string_view action_description,
                      double risk_score, double threshold = 0.5);

// Number of exceptions side channels threw into pcw_decide since start (process-wide).
uint64_t side_channel_failures() noexcept;

}  // namespace aegis
