// The CI gate with approvals: decide, then look for an approval bound to exactly this context.
#include "aegis/workflow/context_gate.h"

#include <algorithm>

#include "aegis/core/digest.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/workflow.h"

namespace aegis {

using nlohmann::json;

namespace {

constexpr size_t kPage = 200;

// The config a stored proposal's analysis was decided under ("" when it was not analysed).
std::string analysed_under(const ProposalWorkflow& w) {
  const json d = json::parse(w.decision_json(), nullptr, false);
  if (!d.is_object() || !d.contains("decision_trace") || !d["decision_trace"].is_object())
    return "";
  const json h = d["decision_trace"].value("config_hash", json());
  return h.is_string() ? h.get<std::string>() : "";
}

bool covers(const std::vector<std::string>& covered, const std::vector<std::string>& failing) {
  return std::all_of(failing.begin(), failing.end(), [&](const std::string& g) {
    return std::find(covered.begin(), covered.end(), g) != covered.end();
  });
}

}  // namespace

std::string context_digest(const PCWContext& context, std::string_view config_hash) {
  json c = context_to_json(context);
  c.erase("session_id");
  return action_digest({{"config_hash", config_hash}, {"context", std::move(c)}});
}

json GateDecision::to_json() const {
  json j = json::parse(evaluation.json);
  j["gate"] = gate;
  return j;
}

ContextGate::ContextGate(const AegisConfig& config, Store& store, std::mutex& store_lock,
                         const RBACEnforcer& rbac, const CustodianRegistry& custodians,
                         const DecisionService& service, const ApprovalPolicy& policy)
    : config_(config),
      store_(store),
      store_lock_(store_lock),
      rbac_(rbac),
      custodians_(custodians),
      service_(service),
      policy_(policy) {}

Result<GateDecision> ContextGate::decide(std::string_view actor, std::string_view context_json) {
  ContextParser parser(config_, {.cli_aliases = true, .cli_defaults = true});
  auto request = parser.parse(context_json);
  if (!request) return request.error();
  auto made = service_.evaluate(request.value().context);
  if (!made) return made.error();
  if (!service_.record_and_wait({made.value().entry()}))
    return Error(errors::kApiStore, "",
                 "the decision could not be recorded; the gate does not pass");
  GateDecision out{std::move(made).value(), {}};
  const PCWDecision& d = out.evaluation.decision;
  const std::string digest = context_digest(request.value().context, config_.config_hash());
  out.gate = {{"outcome", to_string(d.status)}, {"context_digest", digest}};
  const auto& failing = d.failing_gates;
  if (d.status == PCWStatus::PROCEED ||
      std::find(failing.begin(), failing.end(), "complexity") != failing.end())
    return out;  // passes on its own, or never: complexity failures are not overridden
  try {
    json used = find_and_use(actor, d, digest);
    if (!used.is_null()) {
      used["context_digest"] = digest;
      out.gate = std::move(used);
    }
  } catch (const AegisError& e) {
    return e.error();
  } catch (const std::exception&) {
    return Error(errors::kApiStore, "", "the approvals could not be read; the gate does not pass");
  }
  return out;
}

// Walks the newest proposals for one of this context under this config; uses the first that
// releases the decision (saved EXECUTING: a lost race finds the next), or returns null.
json ContextGate::find_and_use(std::string_view actor, const PCWDecision& decision,
                               const std::string& digest) {
  const std::string by = "aegis-gate:" + std::string(actor);
  const std::string why = "released by aegis gate (decision " + decision.decision_id + ")";
  const auto now = std::chrono::system_clock::now();
  json found;
  each_object("proposal", [&](const Store::ListedObject& o) {
    ProposalWorkflow w = ProposalWorkflow::from_json(json::parse(o.object.state));
    if (context_digest(w.context(), analysed_under(w)) != digest) return true;
    json used;
    if (decision.status != PCWStatus::HALT && w.state() == ProposalState::APPROVED &&
        (w.decision_status() == PCWStatus::PAUSE || w.decision_status() == PCWStatus::ESCALATE)) {
      // Approved by people after a PAUSE or ESCALATE: usable for a ttl after the approval.
      json approvers = json::array();
      std::chrono::system_clock::time_point approved_at{};
      for (const Transition& t : w.history())
        if (t.to == ProposalState::APPROVED) {
          approvers.push_back(t.actor_id);
          approved_at = t.at;
        }
      const auto expires = approved_at + policy_.ttl;
      if (now >= expires || !meets(decision.status, approvers)) return true;
      w.execute(by, why);
      used = {{"outcome", "approved"},
              {"proposal_id", w.proposal_id()},
              {"approvers", approvers},
              {"expires_at", format_timestamp(expires)}};
    } else if (decision.status == PCWStatus::HALT && w.state() == ProposalState::REJECTED &&
               w.decision_status() == PCWStatus::HALT) {
      used = overridden(w, decision, by, why);
      if (used.is_null()) return true;
    } else {
      return true;
    }
    try {
      std::lock_guard<std::mutex> l(store_lock_);
      store_.save_object("proposal", w.proposal_id(), w.to_json().dump(), o.object.version);
    } catch (const ConflictError&) {
      return true;  // another run used it first
    }
    found = std::move(used);
    return false;
  });
  return found;
}

// Whether the proposal's approvers meet the policy's requirement for `status`.
bool ContextGate::meets(PCWStatus status, const json& approvers) const {
  const ApprovalRequirement& need =
      status == PCWStatus::ESCALATE ? policy_.escalate : policy_.pause;
  if (static_cast<int>(approvers.size()) >= need.approvers) return true;
  for (const auto& a : approvers)
    for (ActorRole role : rbac_.roles_of(a.get<std::string>()))
      for (const auto& s : need.sufficient_roles)
        if (s == to_string(role)) return true;
  return false;
}

// A HALT proposal approved through an approved, unexpired two-key override bound to its
// context and covering the failed gates; the proposal is moved on (APPROVED, EXECUTING) in `w`.
json ContextGate::overridden(ProposalWorkflow& w, const PCWDecision& decision,
                             const std::string& by, const std::string& why) {
  const std::string context_hash = sha256_hex(canonical_json(context_to_json(w.context())));
  json found;
  each_object("override", [&](const Store::ListedObject& o) {
    const json state = json::parse(o.object.state);
    if (state.value("proposal_id", json()) != w.proposal_id()) return true;
    OverrideWorkflow ow = OverrideWorkflow::from_json(state, &custodians_);
    const OverrideBinding* b = ow.binding();
    if (!b || b->override_id != o.id || b->context_hash != context_hash) return true;
    const OverrideResult r = ow.get_result();
    if (!r.approved || !covers(ow.failed_gates(), decision.failing_gates)) return true;
    w.approve_with_override(by, ow, r);
    w.execute(by, why);
    json custodians = json::array();
    for (const auto& s : r.signatures)
      custodians.push_back({{"actor", s.actor_id}, {"role", s.role}});
    found = {{"outcome", "overridden"},
             {"proposal_id", w.proposal_id()},
             {"override_id", o.id},
             {"custodians", custodians},
             {"expires_at", format_timestamp(r.expires_at)}};
    return false;
  });
  return found;
}

// Calls `visit` on the objects of `type`, the most recently changed first, a page at a time and
// kScan at most, until it returns false.
void ContextGate::each_object(const char* type,
                              const std::function<bool(const Store::ListedObject&)>& visit) {
  int64_t before = 0;
  for (size_t seen = 0; seen < kScan;) {
    std::vector<Store::ListedObject> page;
    {
      std::lock_guard<std::mutex> l(store_lock_);
      page = store_.list_objects(type, kPage, before);
    }
    for (const auto& o : page) {
      ++seen;
      before = o.seq;
      if (!visit(o)) return;
    }
    if (page.size() < kPage) return;
  }
}

}  // namespace aegis
