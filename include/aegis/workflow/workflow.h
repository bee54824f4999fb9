// Proposal lifecycle and multi-model consensus (docs/workflows.md). Not thread-safe: one owner at a
// time (the store serialises access across processes with version checks).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/decide.h"
#include "aegis/core/names.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/rbac.h"

namespace aegis {

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Wire form: "draft", "submitted", "under_review", ...
enum class ProposalState {
  DRAFT,
  SUBMITTED,
  UNDER_REVIEW,
  APPROVED,
  REJECTED,
  ESCALATED,
  EXECUTING,
  COMPLETED,
  FAILED,
  WITHDRAWN
};
// The wire names of ProposalState, one per value.
inline constexpr EnumName<ProposalState> kProposalStateNames[] = {
    {ProposalState::DRAFT, "draft"},
    {ProposalState::SUBMITTED, "submitted"},
    {ProposalState::UNDER_REVIEW, "under_review"},
    {ProposalState::APPROVED, "approved"},
    {ProposalState::REJECTED, "rejected"},
    {ProposalState::ESCALATED, "escalated"},
    {ProposalState::EXECUTING, "executing"},
    {ProposalState::COMPLETED, "completed"},
    {ProposalState::FAILED, "failed"},
    {ProposalState::WITHDRAWN, "withdrawn"},
};
std::string_view to_string(ProposalState s) noexcept;
std::optional<ProposalState> parse_proposal_state(std::string_view s) noexcept;

// One recorded step: who moved the proposal, from where to where, why, when.
struct Transition {
  ProposalState from = ProposalState::DRAFT;
  ProposalState to = ProposalState::DRAFT;
  std::string actor_id;
  std::string reason;
  std::chrono::system_clock::time_point at;
};

// DRAFT → SUBMITTED → UNDER_REVIEW → APPROVED | REJECTED | ESCALATED; ESCALATED → APPROVED |
// REJECTED; APPROVED → EXECUTING → COMPLETED | FAILED; DRAFT or SUBMITTED → WITHDRAWN. Any
// other move is a ConflictError naming the states. With an RBACEnforcer each step needs its
// permission (submit/withdraw: propose, analyze: analyze, approve/reject: approve,
// execute/complete/fail: execute).
class ProposalWorkflow {
 public:
  ProposalWorkflow(std::string proposal_id, PCWContext context, std::string proposer_id,
                   const RBACEnforcer* rbac = nullptr, Clock clock = {});

  void submit(std::string_view actor_id, std::string_view reason = "");
  // SUBMITTED → UNDER_REVIEW, then runs pcw_decide and moves by its status: PROCEED →
  // APPROVED, HALT → REJECTED, PAUSE → stays UNDER_REVIEW, ESCALATE → ESCALATED.
  const PCWDecision& analyze(std::string_view actor_id, const GateEvaluator* evaluator = nullptr);
  // The same with the decision made by `decide` (called with context(), after the transition is
  // checked; what it throws leaves the proposal unchanged): how a server routes the analysis
  // through its one decision pipeline.
  const PCWDecision& analyze(std::string_view actor_id,
                             const std::function<PCWDecision(const PCWContext&)>& decide);
  // Approvals (approve, approve_with_override) need the approve permission and an actor other
  // than the proposer: PermissionDeniedError "proposal.self_approval" otherwise (separation of
  // duties). analyze() moving a PROCEED to APPROVED is the engine's, not a human approval.
  void approve(std::string_view actor_id, std::string_view reason);
  void reject(std::string_view actor_id, std::string_view reason);
  // REJECTED (after a HALT) → APPROVED, when `override_result` is an approved two-key override
  // for this proposal's failing gates.
  void approve_with_override(std::string_view actor_id, const OverrideWorkflow& override_workflow,
                             OverrideResult override_result);
  void execute(std::string_view actor_id, std::string_view reason = "");
  void complete(std::string_view actor_id, std::string_view reason = "");
  void fail(std::string_view actor_id, std::string_view reason);
  void withdraw(std::string_view actor_id, std::string_view reason = "");

  const std::string& proposal_id() const noexcept { return id_; }
  const std::string& proposer_id() const noexcept { return proposer_; }
  ProposalState state() const noexcept { return state_; }
  const PCWContext& context() const noexcept { return context_; }
  // The decision made by analyze() in this process (not restored by from_json).
  const std::optional<PCWDecision>& decision() const noexcept { return decision_; }
  // What persists of the decision: its status, failing gates and wire JSON.
  std::optional<PCWStatus> decision_status() const noexcept { return decision_status_; }
  const std::vector<std::string>& decision_failing_gates() const noexcept { return failing_; }
  const std::string& decision_json() const noexcept { return decision_json_; }
  const std::vector<Transition>& history() const noexcept { return history_; }

  // The whole workflow as JSON, and back (for the store). from_json: InvalidInputError naming
  // the field when the JSON is not a saved proposal.
  nlohmann::json to_json() const;
  static ProposalWorkflow from_json(const nlohmann::json& j, const RBACEnforcer* rbac = nullptr,
                                    Clock clock = {});

 private:
  void refuse_self_approval(std::string_view actor_id) const;
  void move(std::string_view action, std::string_view actor_id, std::string_view permission,
            std::initializer_list<ProposalState> from, ProposalState to, std::string_view reason);

  std::string id_;
  PCWContext context_;
  std::string proposer_;
  const RBACEnforcer* rbac_;
  Clock clock_;
  ProposalState state_ = ProposalState::DRAFT;
  std::optional<PCWDecision> decision_;
  std::optional<PCWStatus> decision_status_;
  std::vector<std::string> failing_;
  std::string decision_json_;
  std::vector<Transition> history_;
};

// Wire form: "approve", "reject", "abstain".
enum class VoteOutcome { APPROVE, REJECT, ABSTAIN };
// The wire names of VoteOutcome, one per value.
inline constexpr EnumName<VoteOutcome> kVoteNames[] = {
    {VoteOutcome::APPROVE, "approve"},
    {VoteOutcome::REJECT, "reject"},
    {VoteOutcome::ABSTAIN, "abstain"},
};
std::string_view to_string(VoteOutcome v) noexcept;
std::optional<VoteOutcome> parse_vote(std::string_view s) noexcept;

// Wire form: "open", "approved", "rejected", "no_quorum".
enum class ConsensusStatus { OPEN, APPROVED, REJECTED, NO_QUORUM };
// The wire names of ConsensusStatus, one per value.
inline constexpr EnumName<ConsensusStatus> kConsensusStatusNames[] = {
    {ConsensusStatus::OPEN, "open"},
    {ConsensusStatus::APPROVED, "approved"},
    {ConsensusStatus::REJECTED, "rejected"},
    {ConsensusStatus::NO_QUORUM, "no_quorum"},
};
std::string_view to_string(ConsensusStatus s) noexcept;

struct Vote {
  std::string voter_id;
  VoteOutcome outcome = VoteOutcome::ABSTAIN;
  std::optional<double> confidence;
  std::chrono::system_clock::time_point at;
};

struct ConsensusResult {
  ConsensusStatus outcome = ConsensusStatus::OPEN;
  int approvals = 0;
  int rejections = 0;
  int abstentions = 0;
  double agreement = 0.0;  // the larger of approvals and rejections over non-abstaining votes
  std::vector<Vote> votes;
};

// Multi-model consensus: each voter votes once; n = non-abstaining votes. Approved when
// approvals ≥ ⌈2n/3⌉ and n ≥ min_voters. With a known electorate the outcome is settled as soon
// as the remaining voters cannot change it; close() settles the rest (NO_QUORUM without quorum).
class ConsensusWorkflow {
 public:
  // `electorate` (optional) lists who may vote. Throws InvalidInputError for min_voters < 1.
  ConsensusWorkflow(std::string consensus_id, int min_voters = 3,
                    std::vector<std::string> electorate = {}, Clock clock = {});

  // ConflictError for a second vote by the same voter or a vote after the outcome is settled;
  // InvalidInputError for a voter outside the electorate or a confidence outside [0, 1].
  const ConsensusResult& vote(std::string_view voter_id, VoteOutcome outcome,
                              std::optional<double> confidence = std::nullopt);
  // Settles an open consensus. Idempotent.
  const ConsensusResult& close();
  const ConsensusResult& result() const noexcept { return result_; }
  const std::string& consensus_id() const noexcept { return id_; }

  nlohmann::json to_json() const;
  static ConsensusWorkflow from_json(const nlohmann::json& j, Clock clock = {});

 private:
  void settle(bool closing);

  std::string id_;
  int min_voters_;
  std::vector<std::string> electorate_;
  Clock clock_;
  ConsensusResult result_;
};

}  // namespace aegis
