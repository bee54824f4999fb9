// RBAC, actors and calibration, the proposal lifecycle and multi-model consensus
// (docs/workflows.md).
#include <gtest/gtest.h>

#include "../common/error_of.h"
#include "aegis/workflow/workflow.h"

namespace aegis {
namespace {

using testing::error_of;

PCWContext context(double risk = 0.2, const char* impact = "low", double novelty = 0.8) {
  return PCWContext{.agent_id = "agent-1",
                    .session_id = "s",
                    .proposal_summary = "change",
                    .estimated_impact = impact,
                    .risk_baseline = 0.2,
                    .risk_proposed = risk,
                    .novelty_score = novelty,
                    .complexity_score = 0.8,
                    .quality_score = 0.8};
}

TEST(Rbac, DefaultTable) {
  RBACEnforcer r;
  EXPECT_EQ(r.permissions(ActorRole::PROPOSER),
            (std::set<std::string>{"decide", "propose", "read_decisions"}));
  EXPECT_EQ(r.permissions(ActorRole::EXECUTOR),
            (std::set<std::string>{"decide", "execute", "gate_rollout", "read_decisions"}));
  EXPECT_EQ(r.permissions(ActorRole::RISK_LEAD),
            (std::set<std::string>{"read_decisions", "sign_override"}));
  EXPECT_EQ(r.permissions(ActorRole::ADMIN).size(), kPermissions.size());
  r.assign("bot", ActorRole::ANALYST);
  EXPECT_TRUE(r.has_permission("bot", "analyze"));
  EXPECT_FALSE(r.has_permission("bot", "decide"));
  EXPECT_FALSE(r.has_permission("nobody", "read_decisions"));
  const auto e = r.check("bot", "decide");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->kind, ErrorKind::kForbidden);
  EXPECT_NE(e->message.find("bot"), std::string::npos);
  EXPECT_NE(e->message.find("decide"), std::string::npos);
  EXPECT_THROW(r.set_role_permissions(ActorRole::ANALYST, {"fly"}), InvalidInputError);
}

TEST(Rbac, PlugsIntoPcwDecide) {
  RBACEnforcer r;
  r.assign("agent-1", ActorRole::ANALYST);
  EXPECT_THROW(pcw_decide(context(), {.rbac_enforcer = &r}), PermissionDeniedError);
  r.assign("agent-1", ActorRole::PROPOSER);
  EXPECT_EQ(pcw_decide(context(), {.rbac_enforcer = &r}).status, PCWStatus::PROCEED);
}

TEST(Rbac, FromConfig) {
  auto r = RBACEnforcer::parse_yaml(R"(
rbac:
  roles:
    analyst: [analyze, read_decisions, decide]
  actors:
    ci-bot: proposer
    model-7: [analyst, calibrator]
)",
                                    "cfg.yaml");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r.value().has_permission("model-7", "decide"));
  EXPECT_TRUE(r.value().has_permission("model-7", "calibrate"));
  EXPECT_TRUE(r.value().has_permission("ci-bot", "propose"));
  auto bad = RBACEnforcer::parse_yaml("rbac:\n  roles:\n    analyst: [fly]\n", "cfg.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "rbac.roles.analyst");
  EXPECT_FALSE(RBACEnforcer::parse_yaml("rbac:\n  actors:\n    x: pilot\n", "c"));
}

TEST(Proposal, ProceedPathToCompletion) {
  ProposalWorkflow w("p-1", context(), "alice");
  w.submit("alice", "ready");
  EXPECT_EQ(w.analyze("bob").status, PCWStatus::PROCEED);
  EXPECT_EQ(w.state(), ProposalState::APPROVED);
  w.execute("carol");
  w.complete("carol", "deployed");
  EXPECT_EQ(w.state(), ProposalState::COMPLETED);
  ASSERT_EQ(w.history().size(), 5u);  // submit, analysis start, approved, execute, complete
  EXPECT_EQ(w.history()[0].from, ProposalState::DRAFT);
  EXPECT_EQ(w.history()[0].actor_id, "alice");
  EXPECT_EQ(w.history()[0].reason, "ready");
  EXPECT_EQ(w.history().back().to, ProposalState::COMPLETED);
}

TEST(Proposal, DecisionDrivesTheState) {
  ProposalWorkflow halt("p-2", context(0.9), "alice");
  halt.submit("alice");
  EXPECT_EQ(halt.analyze("bob").status, PCWStatus::HALT);
  EXPECT_EQ(halt.state(), ProposalState::REJECTED);

  ProposalWorkflow esc("p-3", context(0.9, "high"), "alice");
  esc.submit("alice");
  esc.analyze("bob");
  EXPECT_EQ(esc.state(), ProposalState::ESCALATED);
  esc.approve("risk-lead", "reviewed");
  EXPECT_EQ(esc.state(), ProposalState::APPROVED);

  ProposalWorkflow pause("p-4", context(0.2, "high", 0.8), "alice");
  pause.submit("alice");
  EXPECT_EQ(pause.analyze("bob").status, PCWStatus::PAUSE);
  EXPECT_EQ(pause.state(), ProposalState::UNDER_REVIEW);
  pause.reject("approver", "not now");
  EXPECT_EQ(pause.state(), ProposalState::REJECTED);

  ProposalWorkflow fails("p-5", context(), "alice");
  fails.submit("alice");
  fails.analyze("bob");
  fails.execute("carol");
  fails.fail("carol", "rollback");
  EXPECT_EQ(fails.state(), ProposalState::FAILED);
}

TEST(Proposal, EveryIllegalTransitionIsAConflictNamingTheStates) {
  // From each reachable state, every action not allowed there must fail and leave the state.
  using Action = std::function<void(ProposalWorkflow&)>;
  const std::vector<std::pair<const char*, Action>> actions = {
      {"submit", [](auto& w) { w.submit("x"); }},
      {"analyze", [](auto& w) { w.analyze("x"); }},
      {"approve", [](auto& w) { w.approve("x", "r"); }},
      {"reject", [](auto& w) { w.reject("x", "r"); }},
      {"execute", [](auto& w) { w.execute("x"); }},
      {"complete", [](auto& w) { w.complete("x"); }},
      {"fail", [](auto& w) { w.fail("x", "r"); }},
      {"withdraw", [](auto& w) { w.withdraw("x"); }},
  };
  const std::map<ProposalState, std::set<std::string>> legal = {
      {ProposalState::DRAFT, {"submit", "withdraw"}},
      {ProposalState::SUBMITTED, {"analyze", "withdraw"}},
      {ProposalState::UNDER_REVIEW, {"approve", "reject"}},
      {ProposalState::APPROVED, {"execute"}},
      {ProposalState::REJECTED, {}},
      {ProposalState::ESCALATED, {"approve", "reject"}},
      {ProposalState::EXECUTING, {"complete", "fail"}},
      {ProposalState::COMPLETED, {}},
      {ProposalState::FAILED, {}},
      {ProposalState::WITHDRAWN, {}},
  };
  // A way to reach each state.
  auto reach = [](ProposalState s) {
    ProposalWorkflow w("p",
                       s == ProposalState::ESCALATED      ? context(0.9, "high")
                       : s == ProposalState::REJECTED     ? context(0.9)
                       : s == ProposalState::UNDER_REVIEW ? context(0.2, "high")
                                                          : context(),
                       "alice");
    if (s == ProposalState::DRAFT) return w;
    if (s == ProposalState::WITHDRAWN) {
      w.withdraw("alice");
      return w;
    }
    w.submit("alice");
    if (s == ProposalState::SUBMITTED) return w;
    w.analyze("bob");
    if (s == ProposalState::EXECUTING || s == ProposalState::COMPLETED ||
        s == ProposalState::FAILED) {
      w.execute("c");
      if (s == ProposalState::COMPLETED) w.complete("c");
      if (s == ProposalState::FAILED) w.fail("c", "r");
    }
    return w;
  };
  int checked = 0;
  for (const auto& [state, allowed] : legal) {
    for (const auto& action : actions) {
      const std::string name = action.first;
      const Action& act = action.second;
      ProposalWorkflow w = reach(state);
      ASSERT_EQ(w.state(), state) << to_string(state);
      if (allowed.count(name)) {
        EXPECT_NO_THROW(act(w)) << name << " from " << to_string(state);
      } else {
        const Error e = error_of([&] { act(w); });
        EXPECT_EQ(e.kind, ErrorKind::kConflict) << name << " from " << to_string(state);
        EXPECT_NE(e.message.find(std::string(to_string(state))), std::string::npos) << e.message;
        EXPECT_EQ(w.state(), state);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 10 * 8 - 11);
}

TEST(Proposal, RbacPerStep) {
  RBACEnforcer r;
  r.assign("alice", ActorRole::PROPOSER);
  r.assign("bob", ActorRole::ANALYST);
  ProposalWorkflow w("p", context(0.2, "high"), "alice", &r);
  EXPECT_THROW(w.submit("bob"), PermissionDeniedError);
  EXPECT_EQ(w.state(), ProposalState::DRAFT);
  w.submit("alice");
  w.analyze("bob");
  EXPECT_EQ(w.state(), ProposalState::UNDER_REVIEW);
  EXPECT_THROW(w.approve("bob", "r"), PermissionDeniedError);
  r.assign("dora", ActorRole::APPROVER);
  w.approve("dora", "ok");
  EXPECT_EQ(w.state(), ProposalState::APPROVED);
}

TEST(Proposal, HaltApprovedOnlyWithAMatchingApprovedOverride) {
  ProposalWorkflow w("prop-001", context(0.9), "alice");
  w.submit("alice");
  w.analyze("bob");
  ASSERT_EQ(w.state(), ProposalState::REJECTED);
  const auto risk = crypto::SecretKey::generate(), sec = crypto::SecretKey::generate();
  auto hex = [](const crypto::SecretKey& k) {
    const auto p = k.public_key();
    return crypto::to_hex(p.data(), p.size());
  };
  OverrideWorkflow o("prop-001", "hotfix", w.decision()->failing_gates, "alice");
  EXPECT_THROW(w.approve_with_override("carol", o, o.get_result()), PermissionDeniedError);
  o.add_signature("r", "risk_lead", BIP322Provider::sign(o.message_hash(), risk), hex(risk));
  o.add_signature("s", "security_lead", BIP322Provider::sign(o.message_hash(), sec), hex(sec));
  OverrideWorkflow other("prop-999", "hotfix", w.decision()->failing_gates, "alice");
  EXPECT_THROW(w.approve_with_override("carol", other, o.get_result()), PermissionDeniedError);
  // Separation of duties: the proposer cannot approve its own proposal through the override.
  try {
    w.approve_with_override("alice", o, o.get_result());
    ADD_FAILURE() << "the proposer approved its own proposal";
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.detail(), "proposal.self_approval");
  }
  EXPECT_EQ(w.state(), ProposalState::REJECTED);
  w.approve_with_override("carol", o, o.get_result());
  EXPECT_EQ(w.state(), ProposalState::APPROVED);
  EXPECT_EQ(w.history().back().reason, "two-key override approved");
  EXPECT_EQ(w.history().back().actor_id, "carol");
}

TEST(Proposal, TheProposerCannotApproveItsOwnProposalWhateverItsRole) {
  RBACEnforcer rbac;
  rbac.assign("root", ActorRole::ADMIN);  // every permission
  rbac.assign("dora", ActorRole::APPROVER);
  rbac.assign("model", ActorRole::ANALYST);
  for (double risk : {0.1, 0.9}) {
    // 0.1 at high impact: PAUSE (UNDER_REVIEW); 0.9 at high impact: ESCALATE (ESCALATED).
    PCWContext c = context(risk);
    c.estimated_impact = "high";
    ProposalWorkflow w("p", c, "root", &rbac);
    w.submit("root");
    w.analyze("model");
    ASSERT_EQ(w.state(), risk < 0.5 ? ProposalState::UNDER_REVIEW : ProposalState::ESCALATED);
    try {
      w.approve("root", "mine");
      ADD_FAILURE() << "an admin approved its own proposal";
    } catch (const PermissionDeniedError& e) {
      EXPECT_EQ(e.detail(), "proposal.self_approval");
      EXPECT_EQ(e.error().kind, ErrorKind::kForbidden);
    }
    EXPECT_EQ(w.history().size(), 2u + (risk < 0.5 ? 0u : 1u));  // nothing recorded
    w.approve("dora", "reviewed");
    EXPECT_EQ(w.state(), ProposalState::APPROVED);
  }
  // An engine PROCEED approves during analyze even when the analyst proposed it.
  ProposalWorkflow w("q", context(0.1), "root", &rbac);
  w.submit("root");
  w.analyze("root");
  EXPECT_EQ(w.state(), ProposalState::APPROVED);
}

TEST(Consensus, TwoThirdsOfNonAbstainingWithQuorum) {
  ConsensusWorkflow c("c-1", 3);
  c.vote("m1", VoteOutcome::APPROVE, 0.9);
  c.vote("m2", VoteOutcome::APPROVE);
  c.vote("m3", VoteOutcome::REJECT);
  c.vote("m4", VoteOutcome::ABSTAIN);
  EXPECT_EQ(c.result().outcome, ConsensusStatus::OPEN);  // open membership: close() settles
  const ConsensusResult& r = c.close();
  EXPECT_EQ(r.outcome, ConsensusStatus::APPROVED);  // 2 of n = 3, ⌈2·3/3⌉ = 2
  EXPECT_EQ(r.approvals, 2);
  EXPECT_EQ(r.rejections, 1);
  EXPECT_EQ(r.abstentions, 1);
  EXPECT_DOUBLE_EQ(r.agreement, 2.0 / 3.0);
  EXPECT_EQ(r.votes.size(), 4u);
  EXPECT_EQ(c.close().outcome, ConsensusStatus::APPROVED);  // idempotent
}

TEST(Consensus, EdgeCases) {
  // A tie is not two thirds.
  ConsensusWorkflow tie("t", 2);
  tie.vote("a", VoteOutcome::APPROVE);
  tie.vote("b", VoteOutcome::REJECT);
  tie.vote("c", VoteOutcome::APPROVE);
  tie.vote("d", VoteOutcome::REJECT);
  EXPECT_EQ(tie.close().outcome, ConsensusStatus::REJECTED);
  // All abstain: no quorum.
  ConsensusWorkflow abstain("a", 1);
  abstain.vote("a", VoteOutcome::ABSTAIN);
  abstain.vote("b", VoteOutcome::ABSTAIN);
  EXPECT_EQ(abstain.close().outcome, ConsensusStatus::NO_QUORUM);
  EXPECT_EQ(abstain.result().agreement, 0.0);
  // Duplicate voter, late vote, bad confidence.
  ConsensusWorkflow c("c", 1);
  c.vote("a", VoteOutcome::APPROVE);
  EXPECT_EQ(error_of([&] { c.vote("a", VoteOutcome::REJECT); }).kind, ErrorKind::kConflict);
  EXPECT_EQ(error_of([&] { c.vote("b", VoteOutcome::REJECT, 1.5); }).field, "confidence");
  c.close();
  EXPECT_EQ(error_of([&] { c.vote("z", VoteOutcome::APPROVE); }).detail, "consensus.closed");
  EXPECT_THROW(ConsensusWorkflow("x", 0), InvalidInputError);
}

TEST(Consensus, KnownElectorateSettlesEarly) {
  ConsensusWorkflow c("e", 3, {"a", "b", "c", "d", "e"});
  c.vote("a", VoteOutcome::REJECT);
  EXPECT_EQ(c.result().outcome, ConsensusStatus::OPEN);  // 4 approvals of 5 could still pass
  c.vote("b", VoteOutcome::REJECT);
  // Even if c, d and e approve: 3 approvals of n = 5 < ⌈10/3⌉ = 4 → rejected already.
  EXPECT_EQ(c.result().outcome, ConsensusStatus::REJECTED);
  EXPECT_EQ(error_of([&] { c.vote("c", VoteOutcome::APPROVE); }).kind, ErrorKind::kConflict);
  EXPECT_EQ(error_of([] {
              ConsensusWorkflow x("x", 1, {"a"});
              x.vote("intruder", VoteOutcome::APPROVE);
            }).detail,
            "consensus.not_eligible");
  ConsensusWorkflow yes("y", 3, {"a", "b", "c", "d"});
  yes.vote("a", VoteOutcome::APPROVE);
  yes.vote("b", VoteOutcome::APPROVE);
  yes.vote("c", VoteOutcome::APPROVE);
  // n = 3 ≥ quorum and 3 ≥ ⌈2·4/3⌉ = 3 even if d rejects.
  EXPECT_EQ(yes.result().outcome, ConsensusStatus::APPROVED);
}

TEST(Calibration, ProposeApproveApply) {
  const AegisConfig base;
  const Calibrator cal("cal-1", "Calibrator");
  const Governance gov("gov", "Governance");
  const Actor approver("appr-1", "Approver", ActorRole::APPROVER);
  const CalibrationProposal p = cal.propose(base, "novelty_threshold", 0.55, "false positives");
  EXPECT_EQ(p.current_value, 0.6);
  CalibrationRecord rec;
  const AegisConfig next = gov.apply(base, p, approver, &rec);
  EXPECT_EQ(next.parameters().novelty_threshold, 0.55);
  EXPECT_EQ(rec.old_config_hash, base.config_hash());
  EXPECT_EQ(rec.new_config_hash, next.config_hash());
  EXPECT_EQ(rec.approved_by, "appr-1");
  // The proposer may not approve; an actor without approve may not either.
  const Actor self("cal-1", "Self", ActorRole::APPROVER);
  EXPECT_THROW(gov.apply(base, p, self, nullptr), PermissionDeniedError);
  EXPECT_THROW(gov.apply(base, p, Actor("x", "X", ActorRole::ANALYST)), PermissionDeniedError);
  // Stale: the config moved on.
  EXPECT_EQ(error_of([&] { gov.apply(next, p, approver); }).kind, ErrorKind::kConflict);
  // The complexity floor can be raised, never lowered.
  EXPECT_NO_THROW(cal.propose(base, "complexity_floor", 0.6, "stricter"));
  EXPECT_EQ(error_of([&] { cal.propose(base, "complexity_floor", 0.45, "looser"); }).field,
            "complexity_floor");
  CalibrationProposal forged = p;
  forged.parameter = "complexity_floor";
  forged.current_value = 0.5;
  forged.proposed_value = 0.4;
  EXPECT_THROW(gov.apply(base, forged, approver), InvalidInputError);
  EXPECT_EQ(error_of([&] { cal.propose(base, "gamma", -1, "x"); }).field, "gamma");
  EXPECT_EQ(error_of([&] { cal.propose(base, "nope", 1, "x"); }).detail,
            "calibration.unknown_parameter");
}

}  // namespace
}  // namespace aegis
