// WorkflowApi: the two-key override routes (request, sign, get, list) and their events.
#include <chrono>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/core/uuid.h"
#include "aegis/crypto/encoding.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/workflow.h"
#include "aegis/workflow/workflow_api.h"
#include "workflow_api_internal.h"

namespace aegis {

using namespace workflow_detail;  // the helpers the WorkflowApi files share

namespace {

constexpr int64_t kMaxTtlSeconds = 30LL * 24 * 3600;

json override_json(OverrideWorkflow& w, const std::string& id, int64_t version) {
  const OverrideResult r = w.get_result();  // expiry applied
  json j = w.to_json();
  j["override_id"] = id;
  j["version"] = version;
  j["state"] = to_string(r.state);
  j["approved"] = r.approved;
  return j;
}

}  // namespace

// ---- two-key overrides --------------------------------------------------------------------------

WorkflowResult WorkflowApi::create_override(std::string_view actor, std::string_view body) {
  return guarded([&] {
    if (custodians_.empty())
      throw_error(Error{errors::kOverrideNoCustodians, "custodians",
                        "this server has no custodians configured (config `custodians:`)"});
    const json j = json_body(body);
    const StrictObject in =
        fields(j, {"proposal_id", "justification", "failed_gates", "ttl_seconds"});
    const std::string proposal_id = checked_id(req_string(in, "proposal_id"), "proposal_id");
    const std::string justification = req_string(in, "justification");
    int64_t ttl = 24 * 3600;
    if (j.contains("ttl_seconds")) {
      if (!j["ttl_seconds"].is_number_integer() || j["ttl_seconds"].get<int64_t>() < 1 ||
          j["ttl_seconds"].get<int64_t>() > kMaxTtlSeconds)
        bad("ttl_seconds", "ttl_seconds must be an integer in [1, 2592000]");
      ttl = j["ttl_seconds"].get<int64_t>();
    }
    std::lock_guard<std::mutex> g(store_lock_);
    std::vector<std::string> gates;
    std::string context_hash;
    const auto p = store_.load_object("proposal", proposal_id);
    if (p) {
      const ProposalWorkflow proposal = ProposalWorkflow::from_json(json::parse(p->state));
      context_hash = proposal_context_hash(proposal);
      gates = proposal.decision_failing_gates();
    }
    if (j.contains("failed_gates")) gates = string_list(j["failed_gates"], "failed_gates");
    if (gates.empty())
      bad("failed_gates",
          "failed_gates is required unless the proposal is stored with failing gates");
    const std::string id = new_uuid_v4();
    OverrideWorkflow w(proposal_id, justification, gates, std::string(actor),
                       std::chrono::seconds(ttl), &custodians_);
    // The signatures commit to this override's id, expiry and the proposal's context: none made
    // for another override, an expired one or the reference's message counts here.
    w.bind({id, context_hash});
    const int64_t version = store_.save_object("override", id, w.to_json().dump(), 0);
    json out = override_json(w, id, version);
    if (metrics_) metrics_->record_override("requested");
    override_event("override.requested", out);
    if (out["state"] == "rejected") override_event("override.rejected", out);
    return created(out);
  });
}

WorkflowResult WorkflowApi::sign_override(std::string_view actor, std::string_view id,
                                          std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"role", "signature", "public_key"});
    const std::string role = req_string(in, "role");
    const std::string signature = req_string(in, "signature");
    // Someone who is no custodian at all is not a party to the override: refused without
    // touching it (else any holder of sign_override could reject every override).
    const Custodian* custodian = custodians_.find(actor);
    if (!custodian)
      throw_error(Error{errors::kOverrideNotACustodian, "actor_id",
                        std::string(actor) + " is not a registered custodian"});
    std::string public_key = opt_string(in, "public_key").value_or("");
    if (public_key.empty())
      public_key = crypto::to_hex(custodian->public_key.data(), custodian->public_key.size());
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("override", id);
    if (!stored) not_found("override", "override_id");
    OverrideWorkflow w = OverrideWorkflow::from_json(json::parse(stored->state), &custodians_);
    require_bound(w, id);
    const OverrideRejection r = w.add_signature(actor, role, signature, public_key);
    if (r == OverrideRejection::kAlreadyFinal)
      throw_error(Error{errors::kOverrideAlreadyFinal, "override_id",
                        "the override is already " + std::string(to_string(w.state()))});
    const int64_t version = store_.save_object("override", id, w.to_json().dump(), stored->version);
    json out = override_json(w, std::string(id), version);
    const char* outcome = r != OverrideRejection::kNone ? "rejected"
                          : out["approved"].get<bool>() ? "approved"
                                                        : "signed";
    if (metrics_) metrics_->record_override(outcome);
    if (outcome[0] != 's') override_event(std::string("override.") + outcome, out);
    if (r == OverrideRejection::kNone) return done(out);
    const ErrorCode& why = rejection_error(r);
    json err = error_to_json(Error(why, "signature", out["reason_message"].get<std::string>()));
    err["override"] = std::move(out);
    return WorkflowOutcome{std::move(err), WorkflowOutcome::Kind::kRefused, why.kind};
  });
}

WorkflowResult WorkflowApi::get_override(std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("override", id);
    if (!stored) not_found("override", "override_id");
    OverrideWorkflow w = OverrideWorkflow::from_json(json::parse(stored->state), &custodians_);
    return done(override_json(w, std::string(id), stored->version));
  });
}

WorkflowResult WorkflowApi::list_overrides(std::string_view state, size_t limit, int64_t cursor) {
  // "open": waiting for a signature (pending or partial), what the console lists first.
  if (!state.empty() && state != "open" && !value_in<kOverrideStateNames>(state))
    return Error(errors::kJsonQuery, "state",
                 "not an override state (pending, partial, approved, rejected) or open");
  return list_objects("override", "overrides", limit, cursor,
                      [&](const std::string& id, const json& saved, int64_t version) {
                        OverrideWorkflow w = OverrideWorkflow::from_json(saved, &custodians_);
                        json j = override_json(w, id, version);
                        const bool open = j["state"] == "pending" || j["state"] == "partial";
                        if (!state.empty() && j["state"] != state && !(state == "open" && open))
                          return json();
                        json missing = json::array();
                        for (std::string_view role : {kRiskLead, kSecurityLead}) {
                          bool signed_it = false;
                          for (const auto& sig : j["signatures"])
                            signed_it = signed_it || sig["role"] == role;
                          if (!signed_it) missing.push_back(role);
                        }
                        j["signatures_missing"] = std::move(missing);
                        return j;
                      });
}

// Emits `type` (override.requested, .approved, .rejected) with the override's main fields.
void WorkflowApi::override_event(const std::string& type, const json& o) {
  if (!telemetry_) return;
  telemetry_->emit(type, {{"override_id", o["override_id"]},
                          {"proposal_id", o["proposal_id"]},
                          {"failed_gates", o["failed_gates"]},
                          {"state", o["state"]},
                          {"reason", o["reason"]},
                          {"requested_by", o["requested_by"]}});
}

}  // namespace aegis
