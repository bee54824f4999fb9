// Proposals, two-key overrides, consensus and drift: adapters from HTTP to WorkflowApi. Steps
// read and write the store, so they run on the worker pool.
#include "aegis/errors/server.h"
#include "routes.h"

namespace aegis::server {

void add_workflow_routes(http::Router& router, ApiContext& api) {
  using http::Access;
  using http::Caller;
  using http::Reply;
  using http::Request;
  using http::Runs;
  WorkflowApi& w = *api.workflows;
  // A route whose answer is `step`'s typed result.
  auto add = [&router](const char* method, const char* pattern, const char* permission,
                       std::function<WorkflowResult(const Request&, const Caller&)> step) {
    router.add({method, pattern, Access::kPermission, permission, Runs::kOnWorker,
                [step = std::move(step)](Request& r, const Caller& c, Reply reply) {
                  reply(workflow_response(step(r, c)));
                }});
  };
  add("POST", "/v1/proposals", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_proposal(c.actor_id, r.body); });
  // A page of a list: limit (1..1000, default 50) and cursor (a seq from next_cursor).
  struct Page {
    size_t limit;
    int64_t cursor;
  };
  const auto page = [](const Request& r) -> Result<Page> {
    const auto limit = query_integer(r, "limit", 50, 1, 1000);
    if (!limit) return limit.error();
    const auto cursor = query_integer(r, "cursor", 0, 0, int64_t{1} << 53);
    if (!cursor) return cursor.error();
    return Page{static_cast<size_t>(limit.value()), cursor.value()};
  };
  const auto state = [](const Request& r) {
    const std::string* s = query_value(r, "state");
    return s ? *s : std::string();
  };
  add("GET", "/v1/proposals", "read_decisions", [&w, page, state](const Request& r, const Caller&) {
    if (auto e = check_query(r, {"state", "limit", "cursor"})) return WorkflowResult(*e);
    const auto p = page(r);
    if (!p) return WorkflowResult(p.error());
    return w.list_proposals(state(r), p.value().limit, p.value().cursor);
  });
  add("GET", "/v1/overrides", "read_decisions", [&w, page, state](const Request& r, const Caller&) {
    if (auto e = check_query(r, {"state", "limit", "cursor"})) return WorkflowResult(*e);
    const auto p = page(r);
    if (!p) return WorkflowResult(p.error());
    return w.list_overrides(state(r), p.value().limit, p.value().cursor);
  });
  add("GET", "/v1/drift/history", "read_decisions", [&w](const Request& r, const Caller&) {
    if (auto e = check_query(r, {"since"})) return WorkflowResult(*e);
    const auto since = query_time(r, "since");
    if (!since) return WorkflowResult(since.error());
    return w.drift_history(since.value());
  });
  add("GET", "/v1/proposals/{proposal_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_proposal(r.param("proposal_id")); });
  // Each step needs its own permission (docs/workflows.md); an unknown step is 404.
  router.add({"POST", "/v1/proposals/{proposal_id}/{action}", Access::kAuthenticated, "",
              Runs::kOnWorker, [&api, &w](Request& r, const Caller& c, Reply reply) {
                const std::string& action = r.param("action");
                const auto permission = WorkflowApi::step_permission(action);
                if (!permission)
                  return reply(error_response(
                      Error{errors::kApiNotFound, "action", "no such proposal action"}));
                if (auto denied = api.rbac.check(c.actor_id, *permission))
                  return reply(error_response(*denied));
                reply(workflow_response(
                    w.proposal_step(c.actor_id, r.param("proposal_id"), action, r.body)));
              }});
  add("POST", "/v1/overrides", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_override(c.actor_id, r.body); });
  add("POST", "/v1/overrides/{override_id}/signatures", "sign_override",
      [&w](const Request& r, const Caller& c) {
        return w.sign_override(c.actor_id, r.param("override_id"), r.body);
      });
  add("GET", "/v1/overrides/{override_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_override(r.param("override_id")); });
  add("POST", "/v1/consensus", "propose",
      [&w](const Request& r, const Caller& c) { return w.create_consensus(c.actor_id, r.body); });
  add("POST", "/v1/consensus/{consensus_id}/votes", "analyze",
      [&w](const Request& r, const Caller& c) {
        return w.vote(c.actor_id, r.param("consensus_id"), r.body);
      });
  add("POST", "/v1/consensus/{consensus_id}/close", "approve",
      [&w](const Request& r, const Caller& c) {
        return w.close_consensus(c.actor_id, r.param("consensus_id"));
      });
  add("GET", "/v1/consensus/{consensus_id}", "read_decisions",
      [&w](const Request& r, const Caller&) { return w.get_consensus(r.param("consensus_id")); });
  add("POST", "/v1/drift/baseline", "calibrate",
      [&w](const Request& r, const Caller& c) { return w.set_drift_baseline(c.actor_id, r.body); });
  add("POST", "/v1/drift/observations", "decide",
      [&w](const Request& r, const Caller&) { return w.add_drift_observations(r.body); });
  add("GET", "/v1/drift", "read_decisions",
      [&w](const Request&, const Caller&) { return w.drift_status(); });
}

}  // namespace aegis::server
