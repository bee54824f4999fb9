// Proposals, two-key overrides, consensus and drift: adapters from HTTP to WorkflowApi. Steps
// read and write the store, so they run on the worker pool.
#include "aegis/server/errors.h"
#include "aegis/workflow/errors.h"
#include "routes.h"

namespace aegis::server {
namespace {

using http::Access;
using http::Caller;
using http::Reply;
using http::Request;
using http::Runs;

// A route whose answer is `step`'s typed result.
void add_step_route(http::Router& router, const char* method, const char* pattern,
                    const char* permission,
                    std::function<WorkflowResult(const Request&, const Caller&)> step) {
  router.add({method, pattern, Access::kPermission, permission, Runs::kOnWorker,
              [step = std::move(step)](Request& r, const Caller& c, Reply reply) {
                reply(workflow_response(step(r, c)));
              }});
}

// A page of a list: limit (1..1000, default 50) and cursor (a seq from next_cursor).
struct Page {
  size_t limit;
  int64_t cursor;
};

Result<Page> list_page(const Request& r) {
  const auto limit = query_integer(r, "limit", 50, 1, 1000);
  if (!limit) return limit.error();
  const auto cursor = query_integer(r, "cursor", 0, 0, int64_t{1} << 53);
  if (!cursor) return cursor.error();
  return Page{static_cast<size_t>(limit.value()), cursor.value()};
}

std::string list_state(const Request& r) {
  const std::string* s = query_value(r, "state");
  return s ? *s : std::string();
}

// POST /v1/proposals, the lists (proposals, overrides, drift history), a proposal and its steps.
void add_proposal_routes(http::Router& router, const WorkflowRoutes& wf) {
  WorkflowApi& w = wf.workflows;
  const RBACEnforcer& rbac = wf.rbac;
  add_step_route(
      router, "POST", "/v1/proposals", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_proposal(c.actor_id, r.body); });
  add_step_route(router, "GET", "/v1/proposals", "read_decisions",
                 [&w](const Request& r, const Caller&) {
                   if (auto e = check_query(r, {"state", "limit", "cursor"}))
                     return WorkflowResult(*e);
                   const auto p = list_page(r);
                   if (!p) return WorkflowResult(p.error());
                   return w.list_proposals(list_state(r), p.value().limit, p.value().cursor);
                 });
  add_step_route(router, "GET", "/v1/overrides", "read_decisions",
                 [&w](const Request& r, const Caller&) {
                   if (auto e = check_query(r, {"state", "limit", "cursor"}))
                     return WorkflowResult(*e);
                   const auto p = list_page(r);
                   if (!p) return WorkflowResult(p.error());
                   return w.list_overrides(list_state(r), p.value().limit, p.value().cursor);
                 });
  add_step_route(router, "GET", "/v1/drift/history", "read_decisions",
                 [&w](const Request& r, const Caller&) {
                   if (auto e = check_query(r, {"since"})) return WorkflowResult(*e);
                   const auto since = query_time(r, "since");
                   if (!since) return WorkflowResult(since.error());
                   return w.drift_history(since.value());
                 });
  add_step_route(
      router, "GET", "/v1/proposals/{proposal_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_proposal(r.param("proposal_id")); });
  // Each step needs its own permission (docs/workflows.md); an unknown step is 404.
  router.add({"POST", "/v1/proposals/{proposal_id}/{action}", Access::kAuthenticated, "",
              Runs::kOnWorker, [&rbac, &w](Request& r, const Caller& c, Reply reply) {
                const std::string& action = r.param("action");
                const auto permission = WorkflowApi::step_permission(action);
                if (!permission)
                  return reply(error_response(
                      Error{errors::kApiNotFound, "action", "no such proposal action"}));
                if (auto denied = rbac.check(c.actor_id, *permission))
                  return reply(error_response(*denied));
                reply(workflow_response(
                    w.proposal_step(c.actor_id, r.param("proposal_id"), action, r.body)));
              }});
}

// Two-key overrides and consensus: creating, signing or voting, closing, reading.
void add_override_and_consensus_routes(http::Router& router, WorkflowApi& w) {
  add_step_route(
      router, "POST", "/v1/overrides", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_override(c.actor_id, r.body); });
  add_step_route(router, "POST", "/v1/overrides/{override_id}/signatures", "sign_override",
                 [&w](const Request& r, const Caller& c) {
                   return w.sign_override(c.actor_id, r.param("override_id"), r.body);
                 });
  add_step_route(
      router, "GET", "/v1/overrides/{override_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_override(r.param("override_id")); });
  add_step_route(
      router, "POST", "/v1/consensus", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_consensus(c.actor_id, r.body); });
  add_step_route(router, "POST", "/v1/consensus/{consensus_id}/votes", "analyze",
                 [&w](const Request& r, const Caller& c) {
                   return w.vote(c.actor_id, r.param("consensus_id"), r.body);
                 });
  add_step_route(router, "POST", "/v1/consensus/{consensus_id}/close", "approve",
                 [&w](const Request& r, const Caller& c) {
                   return w.close_consensus(c.actor_id, r.param("consensus_id"));
                 });
  add_step_route(
      router, "GET", "/v1/consensus/{consensus_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_consensus(r.param("consensus_id")); });
}

// The drift baseline, observations and status.
void add_drift_routes(http::Router& router, WorkflowApi& w) {
  add_step_route(
      router, "POST", "/v1/drift/baseline", "calibrate",
      [&w](const Request& r, const Caller& c) { return w.set_drift_baseline(c.actor_id, r.body); });
  add_step_route(
      router, "POST", "/v1/drift/observations", "decide",
      [&w](const Request& r, const Caller&) { return w.add_drift_observations(r.body); });
  add_step_route(router, "GET", "/v1/drift", "read_decisions",
                 [&w](const Request&, const Caller&) { return w.drift_status(); });
}

}  // namespace

void add_workflow_routes(http::Router& router, const WorkflowRoutes& wf) {
  add_proposal_routes(router, wf);
  add_override_and_consensus_routes(router, wf.workflows);
  add_drift_routes(router, wf.workflows);
}

}  // namespace aegis::server
