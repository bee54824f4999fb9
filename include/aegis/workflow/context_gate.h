// The CI gate's decision with approvals (docs/approvals.md#the-ci-gate): a context is decided
// through the one pipeline, and a decision other than PROCEED passes only when an approval bound
// to this very context and config is found — an approved proposal of the same context (after a
// PAUSE or ESCALATE), or a HALT overridden by an approved, unexpired two-key override covering its
// failed gates. Complexity failures never pass. What is found is used once: the proposal moves to
// EXECUTING in the same step, so a second run of the same gate finds nothing. Thread-safe: store
// access is serialised by the given mutex.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aegis/core/config.h"
#include "aegis/core/error.h"
#include "aegis/core/json.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/workflow.h"

namespace aegis {

// The digest an approval of a context is bound to: action_digest of {"config_hash", "context"}
// with the context as context_to_json writes it after parsing and defaults, without its
// session_id (a run's own, defaulted at random: not part of what is decided).
std::string context_digest(const PCWContext& context, std::string_view config_hash);

// What the gate answers: the decision (its wire JSON) and, under "gate", how it ends:
// {"outcome": "proceed" | "approved" | "overridden" | the status, "context_digest",
//  "proposal_id"?, "override_id"?, "approvers"? [actor], "custodians"? [{actor, role}],
//  "expires_at"?}.
struct GateDecision {
  Evaluation evaluation;
  nlohmann::json gate;
  nlohmann::json to_json() const;  // the decision's JSON with "gate" added
};

class ContextGate {
 public:
  // Everything borrowed. `service` must record durably; `policy.ttl` bounds how long an
  // approved proposal stays usable after its approval, and its requirement for the decision's
  // status must be met by the proposal's approvers (their roles from `rbac`): with the default
  // policy an ESCALATE needs a security_lead's approval, since a proposal is approved once.
  ContextGate(const AegisConfig& config, Store& store, std::mutex& store_lock,
              const RBACEnforcer& rbac, const CustodianRegistry& custodians,
              const DecisionService& service, const ApprovalPolicy& policy);

  // Decides and records `context_json` (the CI surface's reading: aliases and defaults), then
  // looks for an approval as above; `actor` is who ran the gate (kept in the proposal's
  // history when one is used). Errors: the context's, or "api.store" when the decision could
  // not be recorded.
  Result<GateDecision> decide(std::string_view actor, std::string_view context_json);

 private:
  // The most recently changed proposals looked at (an older approval is not found: fail closed).
  static constexpr size_t kScan = 1000;
  nlohmann::json find_and_use(std::string_view actor, const PCWDecision& decision,
                              const std::string& digest);
  bool meets(PCWStatus status, const nlohmann::json& approvers) const;
  void each_object(const char* type, const std::function<bool(const Store::ListedObject&)>& visit);
  nlohmann::json overridden(ProposalWorkflow& w, const PCWDecision& decision, const std::string& by,
                            const std::string& why);

  const AegisConfig& config_;
  Store& store_;
  std::mutex& store_lock_;
  const RBACEnforcer& rbac_;
  const CustodianRegistry& custodians_;
  const DecisionService& service_;
  const ApprovalPolicy& policy_;
};

}  // namespace aegis
