#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "aegis/core/decide.h"
#include "aegis/core/json.h"
#include "aegis/core/version.h"
#include "aegis/workflow/errors.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::error_of;

PCWContext safe() {
  return PCWContext{.agent_id = "agent-1",
                    .session_id = "sess-1",
                    .phase = PCWPhase::PLAN,
                    .proposal_summary = "Add caching layer",
                    .estimated_impact = "low",
                    .risk_baseline = 0.2,
                    .risk_proposed = 0.2,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.8};
}

std::vector<double> ramp(size_t n) {
  std::vector<double> v;
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i) / static_cast<double>(n - 1));
  return v;
}

TEST(Decide, Proceed) {
  const PCWDecision d = pcw_decide(safe());
  EXPECT_EQ(d.status, PCWStatus::PROCEED);
  EXPECT_EQ(d.gates_passed, 5);
  EXPECT_EQ(d.gates_failed, 0);
  EXPECT_TRUE(d.failing_gates.empty());
  EXPECT_FALSE(d.override_eligible);
  EXPECT_TRUE(d.override_requires.empty());
  EXPECT_EQ(d.rationale, "PROCEED: all 5 evaluated gates passed.");
  ASSERT_EQ(d.next_steps.size(), 2u);
  EXPECT_NE(d.next_steps[1].find("drift"), std::string::npos);
  EXPECT_EQ(d.confidence, d.gate_evaluation->min_confidence);
}

TEST(Decide, ComplexityFailureHaltsWithoutOverride) {
  PCWContext c = safe();
  c.complexity_score = 0.3;
  c.estimated_impact = "critical";  // would otherwise escalate
  c.reversible = false;
  c.risk_proposed = 0.9;
  const PCWDecision d = pcw_decide(c);
  EXPECT_EQ(d.status, PCWStatus::HALT);
  EXPECT_FALSE(d.override_eligible);
  EXPECT_TRUE(d.override_requires.empty());
  EXPECT_EQ(d.failing_gates, (std::vector<std::string>{"risk", "complexity"}));
  EXPECT_NE(d.rationale.find("complexity (value 0.3, threshold 0.5)"), std::string::npos)
      << d.rationale;
  EXPECT_NE(d.rationale.find("risk (value"), std::string::npos);
  EXPECT_NE(d.next_steps[0].find("Redesign"), std::string::npos);
}

TEST(Decide, FailureEscalatesOnHighImpactOrIrreversible) {
  for (const char* impact : {"high", "critical"}) {
    PCWContext c = safe();
    c.estimated_impact = impact;
    c.novelty_score = 0.1;
    const PCWDecision d = pcw_decide(c);
    EXPECT_EQ(d.status, PCWStatus::ESCALATE) << impact;
    EXPECT_TRUE(d.override_eligible);
    EXPECT_EQ(d.override_requires, (std::vector<std::string>{"risk_lead", "security_lead"}));
    EXPECT_NE(d.next_steps[0].find("Risk Lead"), std::string::npos);
  }
  PCWContext c = safe();
  c.reversible = false;
  c.quality_score = 0.5;
  const PCWDecision d = pcw_decide(c);
  EXPECT_EQ(d.status, PCWStatus::ESCALATE);
  EXPECT_NE(d.rationale.find("irreversible"), std::string::npos);
  EXPECT_EQ(d.failing_gates, std::vector<std::string>{"quality"});
}

TEST(Decide, FailureHaltsOnLowOrMediumReversible) {
  for (const char* impact : {"low", "medium"}) {
    PCWContext c = safe();
    c.estimated_impact = impact;
    c.risk_baseline = 0.0;
    c.risk_proposed = 0.3;
    const PCWDecision d = pcw_decide(c);
    EXPECT_EQ(d.status, PCWStatus::HALT);
    EXPECT_TRUE(d.override_eligible);
    EXPECT_EQ(d.override_requires, (std::vector<std::string>{"risk_lead", "security_lead"}));
    EXPECT_EQ(d.gates_failed, 1);
    EXPECT_EQ(d.gates_passed, 4);
    EXPECT_NE(d.rationale.find("risk (value 1, threshold 0.95)"), std::string::npos) << d.rationale;
    // The failing gates, then what would pass each, then the override.
    ASSERT_EQ(d.next_steps.size(), 3u);
    EXPECT_EQ(d.next_steps[0], "Address the failing gates: risk");
    EXPECT_EQ(d.next_steps[1], "Lower risk_proposed to at most 0.03419 to pass the risk gate");
    EXPECT_NE(d.next_steps[2].find("two-key override"), std::string::npos);
  }
}

TEST(Decide, PauseForEachHumanApprovalReason) {
  struct Case {
    std::function<void(PCWContext&)> set;
    const char* reason;
  };
  const Case cases[] = {
      {[](PCWContext& c) { c.estimated_impact = "high"; }, "impact is high"},
      {[](PCWContext& c) { c.estimated_impact = "critical"; }, "impact is critical"},
      {[](PCWContext& c) { c.reversible = false; }, "not reversible"},
      {[](PCWContext& c) { c.requires_human_approval = true; }, "requires_human_approval"},
      // x_R = 2.8: P(Δ ≥ 2) ≈ 0.70, above 0.5 but below the 0.95 gate threshold.
      {[](PCWContext& c) {
         c.risk_baseline = 0.1;
         c.risk_proposed = 0.38;
       },
       "risk posterior"},
  };
  for (const auto& k : cases) {
    PCWContext c = safe();
    k.set(c);
    const PCWDecision d = pcw_decide(c);
    EXPECT_EQ(d.status, PCWStatus::PAUSE) << k.reason;
    EXPECT_NE(d.rationale.find(k.reason), std::string::npos) << d.rationale;
    EXPECT_EQ(d.next_steps, std::vector<std::string>{"Obtain human approval before proceeding"});
    EXPECT_TRUE(require_human_approval(c));
  }
  EXPECT_FALSE(require_human_approval(safe()));
}

TEST(Decide, RequireHumanApprovalWhenRiskGateFails) {
  PCWContext c = safe();
  c.risk_baseline = 0.0;
  c.risk_proposed = 0.5;
  EXPECT_TRUE(require_human_approval(c));
  const GateEvaluator eval;
  EXPECT_TRUE(require_human_approval(c, &eval));
}

TEST(Decide, DriftWarningAddsConstraintAndCriticalFails) {
  DriftMonitor warn(KLDriftConfig{.tau_warning = 0.3, .tau_critical = 0.5});
  warn.set_baseline(ramp(100));
  // 14 observations on 7 of the 10 bins, then the decision's own risk_proposed (0.2, bin 2):
  for (int rep = 0; rep < 2; ++rep)
    for (int b = 0; b < 7; ++b) warn.add_observation(0.05 + 0.1 * b);
  const PCWDecision d = pcw_decide(safe(), {.drift_monitor = &warn});
  ASSERT_TRUE(d.drift_result.has_value());
  EXPECT_EQ(d.drift_result->status, DriftStatus::WARNING);
  EXPECT_EQ(d.status, PCWStatus::PROCEED);
  ASSERT_EQ(d.constraints.size(), 1u);
  EXPECT_EQ(d.constraints[0].rfind("drift_warning: KL=", 0), 0u);
  EXPECT_NE(d.constraints[0].find(" >= 0.3"), std::string::npos) << d.constraints[0];

  DriftMonitor crit;
  crit.set_baseline(ramp(100));
  for (int i = 0; i < 20; ++i) crit.add_observation(0.95);
  PCWContext c = safe();
  const PCWDecision h = pcw_decide(c, {.drift_monitor = &crit});
  EXPECT_EQ(h.drift_result->status, DriftStatus::CRITICAL);
  EXPECT_EQ(h.status, PCWStatus::HALT);
  EXPECT_EQ(h.failing_gates, std::vector<std::string>{"drift"});
  EXPECT_EQ(h.gates_failed, 1);
  EXPECT_TRUE(h.override_eligible);
  EXPECT_NE(h.rationale.find("drift (KL"), std::string::npos);
  c.estimated_impact = "high";
  EXPECT_EQ(pcw_decide(c, {.drift_monitor = &crit}).status, PCWStatus::ESCALATE);
}

TEST(Decide, RecordsRiskProposedAsDriftObservation) {
  DriftMonitor m;
  m.set_baseline(ramp(100));
  pcw_decide(safe(), {.drift_monitor = &m});
  pcw_decide(safe(), {.drift_monitor = &m});
  EXPECT_EQ(m.window_size(), 2u);
}

TEST(Decide, ShadowMode) {
  DriftMonitor m;
  m.set_baseline(ramp(100));
  PCWContext c = safe();
  c.risk_baseline = 0.1;
  c.risk_proposed = 0.15;
  c.profit_baseline = 1000;
  c.profit_proposed = 1200;
  const PCWDecision d = pcw_decide(c, {.shadow_mode = true, .drift_monitor = &m});
  ASSERT_TRUE(d.shadow_result.has_value());
  EXPECT_TRUE(d.shadow_result->shadow_only);
  ASSERT_EQ(d.shadow_result->observation_values.size(), 2u);
  EXPECT_NEAR(d.shadow_result->observation_values[0], 0.5, 1e-12);
  EXPECT_NEAR(d.shadow_result->observation_values[1], -0.2, 1e-12);
  EXPECT_EQ(d.shadow_result->baseline_hash, m.baseline_hash());
  EXPECT_TRUE(d.shadow_result->drift_result.has_value());
  // Identical computation: same status as without shadow mode.
  EXPECT_EQ(d.status, pcw_decide(c).status);
  EXPECT_FALSE(pcw_decide(c).shadow_result.has_value());
  const PCWDecision no_monitor = pcw_decide(c, {.shadow_mode = true});
  EXPECT_FALSE(no_monitor.shadow_result->baseline_hash.has_value());
  EXPECT_FALSE(no_monitor.shadow_result->drift_result.has_value());
}

TEST(Decide, TraceIdAndTimestamp) {
  AegisParameters p;
  p.gamma = 0.4;
  const GateEvaluator eval{AegisConfig(p)};
  PCWContext c = safe();
  c.risk_baseline = 0.1;
  c.risk_proposed = 0.3;
  const auto before = std::chrono::system_clock::now();
  const PCWDecision d = pcw_decide(c, {.gate_evaluator = &eval});
  const auto after = std::chrono::system_clock::now();
  const DecisionTrace& t = *d.decision_trace;
  EXPECT_EQ(t.config_hash, eval.config().config_hash());
  EXPECT_NE(t.config_hash, AegisConfig().config_hash());
  EXPECT_EQ(t.engine_version, kEngineVersion);
  EXPECT_NEAR(t.x_R, 2.0, 1e-12);
  EXPECT_EQ(t.x_P, 0.0);
  EXPECT_GT(t.evaluation_time_ns, 0);
  EXPECT_EQ(t.gate_results[0]->value, d.gate_evaluation->gates[0]->value);
  EXPECT_TRUE(std::regex_match(
      d.decision_id,
      std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_GE(d.timestamp, std::chrono::floor<std::chrono::milliseconds>(before));
  EXPECT_LE(d.timestamp, after);
  EXPECT_EQ(d.timestamp, std::chrono::floor<std::chrono::milliseconds>(d.timestamp));
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(pcw_decide(c).decision_id);
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(Decide, DecisionIdsDifferAcrossFork) {
  // The random pool is per thread and copied by fork(): the child must not repeat the parent.
  const std::string warm = pcw_decide(safe()).decision_id;  // fills the parent's pool
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string id = pcw_decide(safe()).decision_id;
    (void)!write(fds[1], id.data(), id.size());
    _exit(0);
  }
  close(fds[1]);
  char buf[64] = {};
  ASSERT_EQ(read(fds[0], buf, sizeof buf), 36);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  const std::string parent = pcw_decide(safe()).decision_id;
  EXPECT_NE(std::string(buf, 36), parent);
  EXPECT_NE(std::string(buf, 36), warm);
}

TEST(Decide, InvalidContextNamesTheField) {
  struct Case {
    std::function<void(PCWContext&)> set;
    const char* field;
  };
  const Case cases[] = {
      {[](PCWContext& c) { c.agent_id = ""; }, "agent_id"},
      {[](PCWContext& c) { c.session_id = std::string(300, 'x'); }, "session_id"},
      {[](PCWContext& c) { c.proposal_summary = "\xff\xfe"; }, "proposal_summary"},
      {[](PCWContext& c) { c.estimated_impact = "huge"; }, "estimated_impact"},
      {[](PCWContext& c) { c.estimated_impact = "High"; }, "estimated_impact"},
      {[](PCWContext& c) { c.phase = static_cast<PCWPhase>(7); }, "phase"},
      {[](PCWContext& c) { c.risk_baseline = -0.1; }, "risk_baseline"},
      {[](PCWContext& c) { c.risk_proposed = NAN; }, "risk_proposed"},
      {[](PCWContext& c) { c.profit_baseline = INFINITY; }, "profit_baseline"},
      {[](PCWContext& c) { c.profit_proposed = -INFINITY; }, "profit_proposed"},
      {[](PCWContext& c) { c.novelty_score = 1.0001; }, "novelty_score"},
      {[](PCWContext& c) { c.complexity_score = NAN; }, "complexity_score"},
      {[](PCWContext& c) { c.quality_score = 2; }, "quality_score"},
      {[](PCWContext& c) {
         c.quality_subscores = {0.5, -1};
       },
       "quality_subscores[1]"},
      {[](PCWContext& c) { c.quality_subscores = std::vector<double>(300, 0.5); },
       "quality_subscores"},
      {[](PCWContext& c) { c.metadata = 5; }, "metadata"},
      {[](PCWContext& c) {
         c.metadata = {{"x", NAN}};
       },
       "metadata.x"},
      {[](PCWContext& c) { c.utility_result = UtilityResult{.lcb = NAN}; }, "utility.lcb"},
  };
  for (const auto& k : cases) {
    PCWContext c = safe();
    k.set(c);
    const Error e = error_of([&] { pcw_decide(c); });
    EXPECT_EQ(e.field, k.field);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(error_of([&] { require_human_approval(c); }).field, k.field);
  }
}

class ThrowingObserver : public DecisionObserver {
 public:
  int calls = 0;
  void on_decision(const PCWContext&, const PCWDecision&) override {
    ++calls;
    throw std::runtime_error("sink down");
  }
};

class RecordingObserver : public DecisionObserver {
 public:
  std::vector<PCWStatus> seen;
  bool saw_shadow = false;
  void on_decision(const PCWContext&, const PCWDecision& d) override {
    seen.push_back(d.status);
    saw_shadow = d.shadow_result.has_value();
  }
};

TEST(Decide, SideChannelsNeverChangeOrBreakTheDecision) {
  ThrowingObserver bad;
  RecordingObserver good;
  const uint64_t before = side_channel_failures();
  const PCWDecision d =
      pcw_decide(safe(), {.prometheus_exporter = &bad, .telemetry_emitter = &good});
  EXPECT_EQ(d.status, PCWStatus::PROCEED);
  EXPECT_EQ(bad.calls, 1);
  EXPECT_EQ(side_channel_failures(), before + 1);
  EXPECT_EQ(good.seen, std::vector<PCWStatus>{PCWStatus::PROCEED});
  pcw_decide(safe(), {.shadow_mode = true, .telemetry_emitter = &good});
  EXPECT_TRUE(good.saw_shadow);
}

class DenyAll : public PermissionChecker {
 public:
  std::optional<Error> check(std::string_view actor, std::string_view perm) const override {
    return Error{errors::kRbacDenied, "agent_id",
                 std::string(actor) + " lacks " + std::string(perm)};
  }
};

class AllowAll : public PermissionChecker {
 public:
  std::optional<Error> check(std::string_view, std::string_view) const override {
    return std::nullopt;
  }
};

TEST(Decide, RbacDenialIsAnErrorNotADecision) {
  DenyAll deny;
  AllowAll allow;
  EXPECT_THROW(pcw_decide(safe(), {.rbac_enforcer = &deny}), PermissionDeniedError);
  EXPECT_EQ(pcw_decide(safe(), {.rbac_enforcer = &allow}).status, PCWStatus::PROCEED);
}

TEST(QuickRiskCheck, Basic) {
  EXPECT_TRUE(quick_risk_check("my-agent", "Update config file", 0.1));
  EXPECT_FALSE(quick_risk_check("my-agent", "x", 0.5));  // strict <
  EXPECT_TRUE(quick_risk_check("my-agent", "x", 0.69, 0.7));
  EXPECT_EQ(error_of([] { quick_risk_check("a", "x", NAN); }).field, "risk_score");
  EXPECT_EQ(error_of([] { quick_risk_check("a", "x", 1.5); }).field, "risk_score");
  EXPECT_EQ(error_of([] { quick_risk_check("a", "x", 0.1, -1); }).field, "threshold");
  EXPECT_EQ(error_of([] { quick_risk_check("", "x", 0.1); }).field, "agent_id");
}

TEST(Status, Names) {
  for (PCWStatus s : {PCWStatus::PROCEED, PCWStatus::PAUSE, PCWStatus::HALT, PCWStatus::ESCALATE})
    EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_EQ(to_string(PCWStatus::ESCALATE), "escalate");
}

}  // namespace
}  // namespace aegis
