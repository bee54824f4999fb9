// WorkflowApi: the proposal routes (create, get, list, and the steps of a proposal's life).
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/core/uuid.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/workflow.h"
#include "aegis/workflow/workflow_api.h"
#include "workflow_api_internal.h"

namespace aegis {

using namespace workflow_detail;  // the helpers the WorkflowApi files share

namespace {

json proposal_json(const ProposalWorkflow& w, int64_t version) {
  json j = w.to_json();
  j["version"] = version;
  return j;
}

}  // namespace

// ---- proposals ----------------------------------------------------------------------------------

WorkflowResult WorkflowApi::create_proposal(std::string_view actor, std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"proposal_id", "context"});
    const auto given = opt_string(in, "proposal_id");
    const std::string id = given ? checked_id(*given, "proposal_id") : new_uuid_v4();
    if (!j.contains("context") || !j["context"].is_object())
      bad("context", "context is required (a PCW context object)");
    ContextParser parser(config_, {.cli_aliases = true, .cli_defaults = true});
    auto ctx = parser.parse(j["context"].dump());
    if (!ctx) throw_error(ctx.error());
    ProposalWorkflow w(id, ctx.value().context, std::string(actor), &rbac_);
    std::lock_guard<std::mutex> g(store_lock_);
    const int64_t version = store_.save_object("proposal", id, w.to_json().dump(), 0);
    return created(proposal_json(w, version));
  });
}

WorkflowResult WorkflowApi::get_proposal(std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("proposal", id);
    if (!stored) not_found("proposal", "proposal_id");
    return done(
        proposal_json(ProposalWorkflow::from_json(json::parse(stored->state)), stored->version));
  });
}

std::optional<std::string_view> WorkflowApi::step_permission(std::string_view action) {
  if (action == "submit" || action == "withdraw") return "propose";
  if (action == "analyze") return "analyze";
  if (action == "approve" || action == "reject") return "approve";
  if (action == "execute" || action == "complete" || action == "fail") return "execute";
  return std::nullopt;
}

WorkflowResult WorkflowApi::proposal_step(std::string_view actor, std::string_view id,
                                          std::string_view action, std::string_view body) {
  return guarded([&] {
    if (!step_permission(action)) not_found("proposal action", "action");
    const json j = json_body(body);
    const StrictObject in = fields(j, {"reason", "override_id"});
    const std::string reason = opt_string(in, "reason").value_or("");
    const auto override_id = opt_string(in, "override_id");
    if (override_id && action != "approve")
      bad("override_id", "override_id is accepted only by approve");
    // The store is locked only to read and to save: an analysis waits for its decision to be
    // durable in between (the decision log takes the lock too), and a step that raced another
    // loses at the save (version check).
    auto load = [&](const char* type, std::string_view key) {
      std::lock_guard<std::mutex> g(store_lock_);
      return store_.load_object(type, key);
    };
    const auto stored = load("proposal", id);
    if (!stored) not_found("proposal", "proposal_id");
    ProposalWorkflow w = ProposalWorkflow::from_json(json::parse(stored->state), &rbac_);
    if (action == "submit") {
      w.submit(actor, reason);
    } else if (action == "analyze") {
      // Decided, counted and recorded by the one decision pipeline; the decision joins the
      // chain before the proposal moves on it.
      std::optional<Evaluation> made;
      w.analyze(actor, [&](const PCWContext& context) {
        auto e = service_.evaluate(context);
        if (!e) throw_error(e.error());
        made = std::move(e).value();
        return made->decision;
      });
      if (!service_.record_and_wait({made->entry()}))
        throw_error(Error{errors::kApiStore, "",
                          "the analysis could not be stored; the proposal did not move"});
    } else if (action == "approve" && override_id) {
      const auto o = load("override", *override_id);
      if (!o) not_found("override", "override_id");
      OverrideWorkflow ow = OverrideWorkflow::from_json(json::parse(o->state), &custodians_);
      require_bound(ow, *override_id);
      if (ow.binding()->context_hash != proposal_context_hash(w))
        throw_error(Error{errors::kProposalOverrideMismatch, "override_id",
                          "the override's signatures do not cover this proposal's context (it "
                          "was requested before the proposal was stored)"});
      w.approve_with_override(actor, ow, ow.get_result());
    } else if (action == "approve") {
      w.approve(actor, reason);
    } else if (action == "reject") {
      w.reject(actor, reason);
    } else if (action == "execute") {
      w.execute(actor, reason);
    } else if (action == "complete") {
      w.complete(actor, reason);
    } else if (action == "fail") {
      w.fail(actor, reason);
    } else {
      w.withdraw(actor, reason);
    }
    std::lock_guard<std::mutex> g(store_lock_);
    const int64_t version = store_.save_object("proposal", id, w.to_json().dump(), stored->version);
    return done(proposal_json(w, version));
  });
}

WorkflowResult WorkflowApi::list_proposals(std::string_view state, size_t limit, int64_t cursor) {
  if (!state.empty() && !parse_proposal_state(state))
    return Error(errors::kJsonQuery, "state",
                 "not a proposal state (draft, submitted, under_review, approved, "
                 "rejected, escalated, executing, completed, failed, withdrawn)");
  return list_objects("proposal", "proposals", limit, cursor,
                      [&](const std::string&, const json& saved, int64_t version) {
                        json j = proposal_json(ProposalWorkflow::from_json(saved), version);
                        return state.empty() || j["state"] == state ? j : json();
                      });
}

}  // namespace aegis
