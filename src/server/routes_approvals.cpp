// The approvers' routes: the approvals waiting (and answered), one approval, and an answer to it.
// Reads and answers touch the store, so they run on the worker pool.
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/server/errors.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/context_gate.h"
#include "aegis/workflow/errors.h"
#include "routes.h"

namespace aegis::server {
namespace {

using http::Access;
using http::Caller;
using http::Reply;
using http::Request;
using http::Runs;

WorkflowResult answered(const Result<Approval>& r) {
  if (!r) return r.error();
  return WorkflowOutcome{r.value().to_json()};
}

}  // namespace

void add_approval_routes(http::Router& router, const ApprovalRoutes& routes) {
  Approvals& a = routes.approvals;
  ContextGate& gate = routes.gate;
  // The CI gate: decided and recorded, then an approval of this very context looked for (and
  // used); the answer is the decision with "gate" saying how it ends.
  router.add({"POST", "/v1/gate", Access::kPermission, "decide", Runs::kOnWorker,
              [&gate](Request& r, const Caller& c, Reply reply) {
                auto decided = gate.decide(c.actor_id, r.body);
                if (!decided) return reply(error_response(decided.error()));
                reply(json_response(200, decided.value().to_json().dump()));
              }});
  router.add(
      {"GET", "/v1/approvals", Access::kPermission, "read_decisions", Runs::kOnWorker,
       [&a](Request& r, const Caller&, Reply reply) {
         if (auto e = check_query(r, {"state", "limit"})) return reply(error_response(*e));
         const auto limit = query_integer(r, "limit", 50, 1, 1000);
         if (!limit) return reply(error_response(limit.error()));
         std::optional<ApprovalState> state;
         if (const std::string* s = query_value(r, "state"); s && !s->empty()) {
           state = parse_approval_state(*s);
           if (!state)
             return reply(error_response(
                 Error(errors::kJsonQuery, "state",
                       "not an approval state (" + joined(names_of<kApprovalStateNames>()) + ")")));
         }
         auto list = a.list(state, static_cast<size_t>(limit.value()));
         if (!list) return reply(error_response(list.error()));
         nlohmann::json out = nlohmann::json::array();
         for (const auto& item : list.value()) out.push_back(item.to_json());
         reply(json_response(200, nlohmann::json{{"approvals", out}}.dump()));
       }});
  router.add({"GET", "/v1/approvals/{approval_id}", Access::kPermission, "read_decisions",
              Runs::kOnWorker, [&a](Request& r, const Caller&, Reply reply) {
                reply(workflow_response(answered(a.get(r.param("approval_id")))));
              }});
  for (const char* action : {"approve", "deny"}) {
    const bool approve = std::string_view(action) == "approve";
    router.add(
        {"POST",
         approve ? "/v1/approvals/{approval_id}/approve" : "/v1/approvals/{approval_id}/deny",
         Access::kAuthenticated, "", Runs::kOnWorker,
         [&a, approve](Request& r, const Caller& c, Reply reply) {
           // The body is {reason?}; who may answer is the approval's own rule (the
           // approve permission, or a role its requirement names).
           std::string reason;
           if (r.body.find_first_not_of(" \t\r\n") != std::string::npos) {
             auto body = read_json(r.body);
             if (!body) return reply(error_response(body.error()));
             try {  // the one strict reading of a body: only `reason`, a string
               const StrictObject in(body.value(), {"reason"}, errors::kApprovalInvalid, "", true);
               reason = in.string("reason").value_or("");
             } catch (const AegisError& e) {
               return reply(error_response(e.error()));
             }
           }
           const std::string id = r.param("approval_id");
           reply(workflow_response(answered(approve ? a.approve(c.actor_id, id, reason, "api")
                                                    : a.deny(c.actor_id, id, reason, "api"))));
         }});
  }
}

}  // namespace aegis::server
