#include <algorithm>

#include "aegis/core/json.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/workflow.h"

namespace aegis {

std::string_view to_string(ProposalState v) noexcept { return name_in(kProposalStateNames, v); }

std::optional<ProposalState> parse_proposal_state(std::string_view s) noexcept {
  return value_in<kProposalStateNames>(s);
}

ProposalWorkflow::ProposalWorkflow(std::string proposal_id, PCWContext context,
                                   std::string proposer_id, const RBACEnforcer* rbac, Clock clock)
    : id_(std::move(proposal_id)),
      context_(std::move(context)),
      proposer_(std::move(proposer_id)),
      rbac_(rbac),
      clock_(std::move(clock)) {
  if (id_.empty())
    throw_error(Error(errors::kProposalInvalid, "proposal_id", "proposal_id is required"));
  if (proposer_.empty())
    throw_error(Error(errors::kProposalInvalid, "proposer_id", "proposer_id is required"));
  if (auto e = validate_context(context_)) throw_error(std::move(*e));
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

void ProposalWorkflow::move(std::string_view action, std::string_view actor_id,
                            std::string_view permission, std::initializer_list<ProposalState> from,
                            ProposalState to, std::string_view reason) {
  if (actor_id.empty())
    throw_error(Error(errors::kProposalInvalid, "actor_id", "actor_id is required"));
  if (std::find(from.begin(), from.end(), state_) == from.end()) {
    std::string allowed;
    for (ProposalState s : from)
      allowed += (allowed.empty() ? "" : ", ") + std::string(to_string(s));
    throw_error(Error{errors::kProposalIllegalTransition, "state",
                      "cannot " + std::string(action) + " a proposal in state " +
                          std::string(to_string(state_)) + " (allowed from " + allowed + ")"});
  }
  if (rbac_) rbac_->require(actor_id, permission);
  if (to == ProposalState::APPROVED) refuse_self_approval(actor_id);
  history_.push_back({state_, to, std::string(actor_id), std::string(reason), clock_()});
  state_ = to;
}

void ProposalWorkflow::refuse_self_approval(std::string_view actor_id) const {
  if (actor_id == proposer_)
    throw_error(Error{errors::kProposalSelfApproval, "actor_id",
                      "actor '" + std::string(actor_id) +
                          "' created this proposal and cannot approve it (separation of duties)"});
}

void ProposalWorkflow::submit(std::string_view actor_id, std::string_view reason) {
  move("submit", actor_id, "propose", {ProposalState::DRAFT}, ProposalState::SUBMITTED, reason);
}

const PCWDecision& ProposalWorkflow::analyze(std::string_view actor_id,
                                             const GateEvaluator* evaluator) {
  return analyze(actor_id, [evaluator](const PCWContext& c) {
    return pcw_decide(c, {.gate_evaluator = evaluator});
  });
}

const PCWDecision& ProposalWorkflow::analyze(
    std::string_view actor_id, const std::function<PCWDecision(const PCWContext&)>& decide) {
  const ProposalWorkflow before = *this;
  move("analyze", actor_id, "analyze", {ProposalState::SUBMITTED}, ProposalState::UNDER_REVIEW,
       "analysis started");
  try {
    decision_ = decide(context_);
  } catch (...) {
    *this = before;
    throw;
  }
  decision_status_ = decision_->status;
  failing_ = decision_->failing_gates;
  decision_json_ = decision_to_json(*decision_);
  const std::string why = "pcw_decide: " + std::string(to_string(decision_->status));
  switch (decision_->status) {
    case PCWStatus::PROCEED:
      history_.push_back({state_, ProposalState::APPROVED, std::string(actor_id), why, clock_()});
      state_ = ProposalState::APPROVED;
      break;
    case PCWStatus::HALT:
      history_.push_back({state_, ProposalState::REJECTED, std::string(actor_id), why, clock_()});
      state_ = ProposalState::REJECTED;
      break;
    case PCWStatus::ESCALATE:
      history_.push_back({state_, ProposalState::ESCALATED, std::string(actor_id), why, clock_()});
      state_ = ProposalState::ESCALATED;
      break;
    case PCWStatus::PAUSE:
      break;  // waits for a human approve/reject
  }
  return *decision_;
}

void ProposalWorkflow::approve(std::string_view actor_id, std::string_view reason) {
  move("approve", actor_id, "approve", {ProposalState::UNDER_REVIEW, ProposalState::ESCALATED},
       ProposalState::APPROVED, reason);
}

void ProposalWorkflow::reject(std::string_view actor_id, std::string_view reason) {
  move("reject", actor_id, "approve", {ProposalState::UNDER_REVIEW, ProposalState::ESCALATED},
       ProposalState::REJECTED, reason);
}

void ProposalWorkflow::approve_with_override(std::string_view actor_id,
                                             const OverrideWorkflow& override_workflow,
                                             OverrideResult override_result) {
  if (state_ != ProposalState::REJECTED || decision_status_ != PCWStatus::HALT) {
    throw_error(
        Error{errors::kProposalIllegalTransition, "state",
              "an override can approve only a proposal rejected by a HALT decision (state " +
                  std::string(to_string(state_)) + ")"});
  }
  if (actor_id.empty())
    throw_error(Error(errors::kProposalInvalid, "actor_id", "actor_id is required"));
  if (rbac_) rbac_->require(actor_id, "approve");
  refuse_self_approval(actor_id);
  if (!override_result.approved)
    throw_error(
        Error{errors::kProposalOverrideNotApproved, "override", "the override is not approved"});
  if (override_workflow.proposal_id() != id_)
    throw_error(Error{errors::kProposalOverrideMismatch, "override",
                      "the override is for proposal " + override_workflow.proposal_id()});
  std::vector<std::string> covered = override_workflow.failed_gates();
  for (const auto& g : failing_) {
    if (std::find(covered.begin(), covered.end(), g) == covered.end())
      throw_error(Error{errors::kProposalOverrideMismatch, "override",
                        "the override does not cover the failing gate " + g});
  }
  history_.push_back({state_, ProposalState::APPROVED, std::string(actor_id),
                      "two-key override approved", clock_()});
  state_ = ProposalState::APPROVED;
}

void ProposalWorkflow::execute(std::string_view actor_id, std::string_view reason) {
  move("execute", actor_id, "execute", {ProposalState::APPROVED}, ProposalState::EXECUTING, reason);
}

void ProposalWorkflow::complete(std::string_view actor_id, std::string_view reason) {
  move("complete", actor_id, "execute", {ProposalState::EXECUTING}, ProposalState::COMPLETED,
       reason);
}

void ProposalWorkflow::fail(std::string_view actor_id, std::string_view reason) {
  move("fail", actor_id, "execute", {ProposalState::EXECUTING}, ProposalState::FAILED, reason);
}

void ProposalWorkflow::withdraw(std::string_view actor_id, std::string_view reason) {
  move("withdraw", actor_id, "propose", {ProposalState::DRAFT, ProposalState::SUBMITTED},
       ProposalState::WITHDRAWN, reason);
}

}  // namespace aegis

namespace aegis {
namespace {

[[noreturn]] void bad_saved(const std::string& field, const std::string& what) {
  throw_error(Error(errors::kWorkflowSavedState, field, what + ": " + field));
}

std::chrono::system_clock::time_point ms_to_time(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

int64_t time_to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

nlohmann::json ProposalWorkflow::to_json() const {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& t : history_) {
    history.push_back({{"from", to_string(t.from)},
                       {"to", to_string(t.to)},
                       {"actor_id", t.actor_id},
                       {"reason", t.reason},
                       {"at_ms", time_to_ms(t.at)}});
  }
  nlohmann::json j = {{"proposal_id", id_},         {"proposer_id", proposer_},
                      {"state", to_string(state_)}, {"context", context_to_json(context_)},
                      {"history", history},         {"failing_gates", failing_}};
  j["decision_status"] = decision_status_ ? nlohmann::json(to_string(*decision_status_)) : nullptr;
  j["decision"] =
      decision_json_.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(decision_json_);
  return j;
}

ProposalWorkflow ProposalWorkflow::from_json(const nlohmann::json& j, const RBACEnforcer* rbac,
                                             Clock clock) {
  try {
    ContextParser parser;
    auto ctx = parser.parse(j.at("context").dump());
    if (!ctx) throw_error(ctx.error());
    ProposalWorkflow w(j.at("proposal_id").get<std::string>(), ctx.value().context,
                       j.at("proposer_id").get<std::string>(), rbac, std::move(clock));
    const auto state = parse_proposal_state(j.at("state").get<std::string>());
    if (!state) bad_saved("state", "unknown state");
    w.state_ = *state;
    for (const auto& t : j.at("history")) {
      const auto from = parse_proposal_state(t.at("from").get<std::string>());
      const auto to = parse_proposal_state(t.at("to").get<std::string>());
      if (!from || !to) bad_saved("history", "unknown state");
      w.history_.push_back({*from, *to, t.at("actor_id").get<std::string>(),
                            t.at("reason").get<std::string>(),
                            ms_to_time(t.at("at_ms").get<int64_t>())});
    }
    if (!j.at("decision_status").is_null()) {
      const auto st = parse_status(j.at("decision_status").get<std::string>());
      if (!st) bad_saved("decision_status", "unknown status");
      w.decision_status_ = *st;
    }
    w.failing_ = j.at("failing_gates").get<std::vector<std::string>>();
    if (!j.at("decision").is_null()) w.decision_json_ = canonical_json(j.at("decision"));
    return w;
  } catch (const nlohmann::json::exception& e) {
    bad_saved(e.what(), "malformed saved proposal");
  }
}

}  // namespace aegis
