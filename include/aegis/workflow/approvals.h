// Approvals bound to the exact action (docs/approvals.md). An action that needs a person — a tool
// call the gateway decided PAUSE or ESCALATE — is held under a digest of exactly what it would do;
// an approval releases that digest once, before it expires, and nothing else. Requests, approvals,
// denials, expiries and consumptions are versions of one store object per action ("approval",
// id "apr-" + the digest's first 32 hex digits), so every step is in the audit chain and
// several processes on one store agree (a lost race is retried, never overwritten). Thread-safe:
// store access is serialised by the given mutex.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/decide.h"
#include "aegis/core/error.h"
#include "aegis/core/names.h"
#include "aegis/store/store.h"
#include "aegis/workflow/rbac.h"

namespace aegis {

// SHA-256 hex of the RFC 8785 form of `action`: the digest an approval is bound to, which anyone
// holding the action can recompute (docs/approvals.md#the-digest). Throws InvalidInputError for a
// non-finite number or invalid UTF-8.
std::string action_digest(const nlohmann::json& action);

// What a held action's answer and its approvers show of its decision: decision_id, status,
// failing_gates, rationale, counterfactuals, next_steps (the decision's own JSON, those fields),
// and with `gates` its gate_evaluation too.
nlohmann::json decision_details(const PCWDecision& decision, bool gates = false);

// Wire form: "pending", "approved", "denied", "expired", "consumed".
enum class ApprovalState { PENDING, APPROVED, DENIED, EXPIRED, CONSUMED };
// The wire names of ApprovalState, one per value.
inline constexpr EnumName<ApprovalState> kApprovalStateNames[] = {
    {ApprovalState::PENDING, "pending"},   {ApprovalState::APPROVED, "approved"},
    {ApprovalState::DENIED, "denied"},     {ApprovalState::EXPIRED, "expired"},
    {ApprovalState::CONSUMED, "consumed"},
};
std::string_view to_string(ApprovalState s) noexcept;
std::optional<ApprovalState> parse_approval_state(std::string_view s) noexcept;

// Who must approve: `approvers` distinct actors holding the approve permission, or one of them
// holding a role of `sufficient_roles`.
struct ApprovalRequirement {
  int approvers = 1;
  std::vector<std::string> sufficient_roles;
};

// The `approvals:` section of a config file.
struct ApprovalPolicy {
  std::chrono::seconds ttl{600};  // a request, and then an approval, lapses after this
  ApprovalRequirement pause{1, {}};
  ApprovalRequirement escalate{2, {"security_lead"}};
  // The gateway: how long a held call waits before it is answered "held for approval" (below the
  // TypeScript SDK's 60 s request timeout), and whether a PAUSE may be approved by the person at
  // the client through elicitation (never an ESCALATE).
  std::chrono::milliseconds hold_timeout{50000};
  bool elicitation = false;
};
// Reads the section: "config.unknown_key" with the nearest key for an unknown one, "config.invalid"
// naming the key ("approvals.escalate.approvers") for a value that cannot be applied.
Result<ApprovalPolicy> read_approvals_section(const YAML::Node& node, const std::string& source);

// One person's answer.
struct ApprovalVote {
  std::string actor;
  std::vector<std::string> roles;  // the actor's roles when it answered
  std::string via;                 // "api", "cli", "console", "elicitation"
  std::string reason;
  std::string at;  // RFC 3339 UTC
};

// One round of an action's approval: a request, then its answers.
struct Approval {
  std::string id;      // "apr-<32 hex>.<round>"
  std::string kind;    // "tool_call"
  std::string digest;  // action_digest of what it releases
  int64_t round = 1;
  ApprovalState state = ApprovalState::PENDING;
  std::string status;  // the decision's that held it: "pause" or "escalate"
  std::string decision_id;
  std::string requested_by;  // who asked: the gateway's principal, or the API key's actor
  std::string agent;         // the agent another gateway asked for ("" when the same)
  std::string requested_at;
  int64_t expires_at_ms = 0;
  ApprovalRequirement required;
  std::vector<ApprovalVote> approvals;
  std::optional<ApprovalVote> denial;
  std::string consumed_at;
  int64_t joined = 0;  // identical requests that joined this round
  // What approvers are shown: for a tool call {upstream, tool, principal, arguments (only those
  // the policy names)}, with the decision's rationale, counterfactuals and next steps.
  nlohmann::json action = nlohmann::json::object();
  int64_t version = 0;  // the store object's

  // What is still needed ("1 more approver, or one with role security_lead"); "" when met.
  std::string still_needed() const;
  nlohmann::json to_json() const;  // with expires_at as RFC 3339 and still_needed
  static Approval from_json(const nlohmann::json& j);
};

// What asks for approval.
struct ApprovalRequest {
  std::string kind;       // "tool_call"
  std::string digest;     // action_digest of the action
  std::string principal;  // who asks; never its own approver
  std::string agent;      // the agent it asks for, when another; never its approver either
  PCWStatus status = PCWStatus::PAUSE;  // PAUSE or ESCALATE
  std::string decision_id;
  nlohmann::json action;  // shown to approvers (no secret: only named arguments)
};

// The approval side of a held action: released (an approval granted for exactly it, now
// consumed), or the round that waits.
struct ApprovalStep {
  bool released = false;
  Approval approval;
};

class Approvals {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Everything is borrowed and must outlive this. `rbac` says who holds approve and which roles.
  Approvals(Store& store, std::mutex& store_lock, const RBACEnforcer& rbac, ApprovalPolicy policy,
            Clock clock = {});

  // Holds an action: the digest's current round when it is pending (joined: `joined` counts it)
  // or approved and unexpired (ready to be consumed); otherwise a new pending round, recorded.
  // An ESCALATE finding a PAUSE round raises it to the ESCALATE requirement (pending again
  // unless the approvals so far meet it).
  // A round found expired is recorded expired first. "approval.invalid" for a status other than
  // PAUSE or ESCALATE or an empty digest or principal.
  Result<Approval> request(const ApprovalRequest& request);
  // Releases the digest's approved, unexpired round once, for an action decided `status`: it is
  // recorded consumed before this returns it, so that of two racing consumers only one gets it.
  // nullopt when there is none, or when it was approved as a PAUSE and `status` is ESCALATE
  // (request() then raises the round's requirement).
  Result<std::optional<Approval>> consume(std::string_view digest,
                                          PCWStatus status = PCWStatus::PAUSE);
  // consume(), else request(): an approval already granted for exactly this action is consumed
  // (released); otherwise one is requested (or an identical pending one joined). One granted
  // between the two steps is consumed too.
  Result<ApprovalStep> hold(const ApprovalRequest& request);
  // An approver's answer to round `id`. Approve needs the approve permission, an actor other than
  // the requester (and, through elicitation, a PAUSE and a policy that allows it) and one who has
  // not answered yet; the round moves to approved once its requirement is met. Deny, by anyone
  // who may approve it, ends the round. Errors: approval.not_found, approval.stale (another round
  // is current), approval.not_pending, approval.self_approval, approval.duplicate_approver,
  // approval.elicitation, rbac.forbidden.
  Result<Approval> approve(std::string_view actor, std::string_view id, std::string_view reason,
                           std::string_view via);
  Result<Approval> deny(std::string_view actor, std::string_view id, std::string_view reason,
                        std::string_view via);
  // Reads (expiry applied to what is returned, nothing written).
  Result<Approval> get(std::string_view id);
  Result<std::optional<Approval>> find(std::string_view digest);
  // The most recently changed first, `limit` at most; `state` filters when given.
  Result<std::vector<Approval>> list(std::optional<ApprovalState> state, size_t limit);

  const ApprovalPolicy& policy() const noexcept { return policy_; }
  // The store object id of a digest's approvals.
  static std::string object_id(std::string_view digest);

 private:
  enum class Write { kKeep, kSave, kSaveThenAgain };
  template <typename Step>
  Result<std::optional<Approval>> update(std::string_view object, Step step);
  static constexpr size_t kMaxReason = 4096;
  template <typename Step>
  Result<Approval> answer(std::string_view id, std::string_view reason, Step step);
  static bool met(const Approval& a);
  ApprovalVote vote(std::string_view actor, std::string_view reason, std::string_view via,
                    const ApprovalRequirement& required, bool& sufficient) const;
  std::optional<Approval> load_locked(std::string_view object);
  void expire(Approval& a) const;
  int64_t now_ms() const;

  Store& store_;
  std::mutex& store_lock_;
  const RBACEnforcer& rbac_;
  ApprovalPolicy policy_;
  Clock clock_;
};

}  // namespace aegis
