// Actors, RBAC, calibration, ProposalWorkflow and ConsensusWorkflow.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "aegis/store/store.h"
#include "aegis/workflow/actors.h"
#include "aegis/workflow/afa.h"
#include "aegis/workflow/errors.h"
#include "bindings.h"

namespace aegis::python {
namespace {

Clock make_clock(py::object clock) {
  if (clock.is_none()) return {};
  return [clock]() {
    py::gil_scoped_acquire gil;
    const double secs = clock().attr("timestamp")().cast<double>();
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(secs)));
  };
}

// Saved workflow state from JSON text: malformed text is a ValueError, not a RuntimeError.
nlohmann::json parse_saved(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInputError(Error(errors::kWorkflowSavedState, "text",
                                  std::string("saved state is not JSON: ") + e.what()));
  }
}

py::list history(const ProposalWorkflow& w) {
  py::list l;
  for (const auto& t : w.history()) {
    l.append(py::dict(
        py::arg("from_state") = enum_to_python(t.from), py::arg("to_state") = enum_to_python(t.to),
        py::arg("actor_id") = t.actor_id, py::arg("reason") = t.reason,
        py::arg("at_ms") =
            std::chrono::duration_cast<std::chrono::milliseconds>(t.at.time_since_epoch())
                .count()));
  }
  return l;
}

}  // namespace

void bind_workflow(py::module_& m) {
  bind_enum<ActorRole>(m, "Roles of the governance process.");
  bind_enum<ProposalState>(m, "States of a proposal.");
  bind_enum<VoteOutcome>(m, "A consensus vote.");
  bind_enum<ConsensusStatus>(m, "Outcome of a consensus.");

  py::class_<ActorCapabilities>(m, "ActorCapabilities", "The permissions a role grants.")
      .def_readonly("permissions", &ActorCapabilities::permissions)
      .def("can", &ActorCapabilities::can, py::arg("permission"));

  py::class_<Actor>(m, "Actor", "A participant of the governance process.")
      .def(py::init<std::string, std::string, ActorRole>(), py::arg("actor_id"), py::arg("name"),
           py::arg("role"))
      .def_property_readonly("actor_id", &Actor::actor_id)
      .def_property_readonly("name", &Actor::name)
      .def_property_readonly("role", &Actor::role)
      .def_property_readonly("capabilities", &Actor::capabilities)
      .def("__repr__", [](const Actor& a) {
        return "Actor(actor_id='" + a.actor_id() + "', role=" + std::string(to_string(a.role())) +
               ")";
      });
  py::class_<Proposer, Actor>(m, "Proposer")
      .def(py::init<std::string, std::string>(), py::arg("actor_id"), py::arg("name"));
  py::class_<Analyst, Actor>(m, "Analyst")
      .def(py::init<std::string, std::string>(), py::arg("actor_id"), py::arg("name"));
  py::class_<Executor, Actor>(m, "Executor")
      .def(py::init<std::string, std::string>(), py::arg("actor_id"), py::arg("name"));

  py::class_<CalibrationProposal>(m, "CalibrationProposal")
      .def_readonly("parameter", &CalibrationProposal::parameter)
      .def_readonly("current_value", &CalibrationProposal::current_value)
      .def_readonly("proposed_value", &CalibrationProposal::proposed_value)
      .def_readonly("justification", &CalibrationProposal::justification)
      .def_readonly("proposed_by", &CalibrationProposal::proposed_by);
  py::class_<CalibrationRecord>(m, "CalibrationRecord")
      .def_readonly("proposal", &CalibrationRecord::proposal)
      .def_readonly("approved_by", &CalibrationRecord::approved_by)
      .def_readonly("old_config_hash", &CalibrationRecord::old_config_hash)
      .def_readonly("new_config_hash", &CalibrationRecord::new_config_hash);
  py::class_<Calibrator, Actor>(m, "Calibrator")
      .def(py::init<std::string, std::string>(), py::arg("actor_id"), py::arg("name"))
      .def("propose", &Calibrator::propose, py::arg("config"), py::arg("parameter"),
           py::arg("value"), py::arg("justification"));
  py::class_<Governance, Actor>(m, "Governance")
      .def(py::init<std::string, std::string>(), py::arg("actor_id"), py::arg("name"))
      .def(
          "apply",
          [](const Governance& g, const AegisConfig& config, const CalibrationProposal& p,
             const Actor& approver) {
            CalibrationRecord record;
            AegisConfig next = g.apply(config, p, approver, &record);
            return py::make_tuple(next, record);
          },
          py::arg("config"), py::arg("proposal"), py::arg("approver"),
          "(new_config, calibration_record); the approver must not be the proposer.");

  py::class_<RBACEnforcer>(m, "RBACEnforcer", "Role -> permission table and actor roles.")
      .def(py::init<>())
      .def_static("from_yaml",
                  [](py::object path) {
                    auto r = RBACEnforcer::load_yaml(
                        py::module_::import("os").attr("fspath")(path).cast<std::string>());
                    if (!r) throw_error(r.error());
                    return std::move(r).value();
                  })
      .def("assign", &RBACEnforcer::assign, py::arg("actor_id"), py::arg("role"))
      .def("set_role_permissions", &RBACEnforcer::set_role_permissions, py::arg("role"),
           py::arg("permissions"))
      .def("has_permission", &RBACEnforcer::has_permission, py::arg("actor_id"),
           py::arg("permission"))
      .def("require", &RBACEnforcer::require, py::arg("actor_id"), py::arg("permission"),
           "Raises PermissionError when the actor lacks the permission.")
      .def("permissions", &RBACEnforcer::permissions, py::arg("role"));

  py::class_<ProposalWorkflow>(m, "ProposalWorkflow", "A proposal's lifecycle.")
      .def(py::init([](std::string id, py::handle ctx, std::string proposer,
                       const RBACEnforcer* rbac, py::object clock) {
             return ProposalWorkflow(std::move(id), synced(ctx), std::move(proposer), rbac,
                                     make_clock(clock));
           }),
           py::arg("proposal_id"), py::arg("context"), py::arg("proposer_id"),
           py::arg("rbac") = py::none(), py::arg("clock") = py::none(), py::keep_alive<1, 5>())
      .def("submit", &ProposalWorkflow::submit, py::arg("actor_id"), py::arg("reason") = "")
      .def("analyze",
           py::overload_cast<std::string_view, const GateEvaluator*>(&ProposalWorkflow::analyze),
           py::arg("actor_id"), py::arg("gate_evaluator") = py::none(),
           py::return_value_policy::copy)
      .def("approve", &ProposalWorkflow::approve, py::arg("actor_id"), py::arg("reason"))
      .def("reject", &ProposalWorkflow::reject, py::arg("actor_id"), py::arg("reason"))
      .def(
          "approve_with_override",
          [](ProposalWorkflow& w, std::string_view actor, OverrideWorkflow& o) {
            w.approve_with_override(actor, o, o.get_result());
          },
          py::arg("actor_id"), py::arg("override_workflow"))
      .def("execute", &ProposalWorkflow::execute, py::arg("actor_id"), py::arg("reason") = "")
      .def("complete", &ProposalWorkflow::complete, py::arg("actor_id"), py::arg("reason") = "")
      .def("fail", &ProposalWorkflow::fail, py::arg("actor_id"), py::arg("reason"))
      .def("withdraw", &ProposalWorkflow::withdraw, py::arg("actor_id"), py::arg("reason") = "")
      .def_property_readonly("proposal_id", &ProposalWorkflow::proposal_id)
      .def_property_readonly("state", &ProposalWorkflow::state)
      .def_property_readonly("history", &history)
      .def_property_readonly("decision_status", &ProposalWorkflow::decision_status)
      .def_property_readonly("decision_json", &ProposalWorkflow::decision_json)
      .def("to_json", [](const ProposalWorkflow& w) { return canonical_json_of(w.to_json()); })
      .def_static(
          "from_json",
          [](const std::string& text, const RBACEnforcer* rbac) {
            return ProposalWorkflow::from_json(parse_saved(text), rbac);
          },
          py::arg("text"), py::arg("rbac") = py::none(), py::keep_alive<0, 2>());

  py::class_<DecisionRequest>(m, "DecisionRequest", "An AFA decision request.")
      .def(py::init([](std::string request_id, std::string candidate_id, std::string function_name,
                       std::string proposal_summary, py::dict metrics, py::dict metadata) {
             return DecisionRequest{std::move(request_id),       std::move(candidate_id),
                                    std::move(function_name),    std::move(proposal_summary),
                                    to_json(metrics, "metrics"), to_json(metadata, "metadata")};
           }),
           py::arg("request_id"), py::arg("candidate_id"), py::arg("function_name"),
           py::arg("proposal_summary") = "", py::arg("metrics") = py::dict(),
           py::arg("metadata") = py::dict())
      .def_readwrite("request_id", &DecisionRequest::request_id)
      .def_readwrite("candidate_id", &DecisionRequest::candidate_id)
      .def_readwrite("function_name", &DecisionRequest::function_name)
      .def_readwrite("proposal_summary", &DecisionRequest::proposal_summary)
      .def_property(
          "metrics", [](const DecisionRequest& r) { return from_json(r.metrics); },
          [](DecisionRequest& r, const py::dict& d) { r.metrics = to_json(d, "metrics"); })
      .def_property(
          "metadata", [](const DecisionRequest& r) { return from_json(r.metadata); },
          [](DecisionRequest& r, const py::dict& d) { r.metadata = to_json(d, "metadata"); });
  py::class_<DecisionResponse>(m, "DecisionResponse", "The AFA bridge's answer.")
      .def(py::init<>())
      .def_readwrite("request_id", &DecisionResponse::request_id)
      .def_readwrite("decision_id", &DecisionResponse::decision_id)
      .def_readwrite("status", &DecisionResponse::status)
      .def_readwrite("approved", &DecisionResponse::approved)
      .def_readwrite("confidence", &DecisionResponse::confidence)
      .def_readwrite("failing_gates", &DecisionResponse::failing_gates)
      .def_readwrite("rationale", &DecisionResponse::rationale);
  py::class_<AFABridge>(m, "AFABridge", "Decides AFA requests (phase COMMIT, agent 'afa').")
      .def(py::init([](const AegisConfig* config, py::handle store) {
             return AFABridge(config ? *config : AegisConfig(), lend_store(store));
           }),
           py::arg("config") = py::none(), py::arg("store") = py::none(), py::keep_alive<1, 3>())
      .def("evaluate", &AFABridge::evaluate, py::arg("request"));

  py::class_<Vote>(m, "Vote")
      .def(py::init<>())
      .def_readwrite("voter_id", &Vote::voter_id)
      .def_readwrite("outcome", &Vote::outcome)
      .def_readwrite("confidence", &Vote::confidence)
      .def_property(
          "at", [](const Vote& v) { return to_datetime(v.at); },
          [](Vote& v, py::handle t) { v.at = from_datetime(t, "at"); });
  py::class_<ConsensusResult>(m, "ConsensusResult")
      .def(py::init<>())
      .def_readwrite("outcome", &ConsensusResult::outcome)
      .def_readwrite("approvals", &ConsensusResult::approvals)
      .def_readwrite("rejections", &ConsensusResult::rejections)
      .def_readwrite("abstentions", &ConsensusResult::abstentions)
      .def_readwrite("agreement", &ConsensusResult::agreement)
      .def_readwrite("votes", &ConsensusResult::votes);
  py::class_<ConsensusWorkflow>(m, "ConsensusWorkflow",
                                "Multi-model consensus (2/3 of votes cast).")
      .def(py::init([](std::string id, int min_voters, std::vector<std::string> electorate) {
             return ConsensusWorkflow(std::move(id), min_voters, std::move(electorate));
           }),
           py::arg("consensus_id"), py::arg("min_voters") = 3,
           py::arg("electorate") = std::vector<std::string>{})
      .def("vote", &ConsensusWorkflow::vote, py::arg("voter_id"), py::arg("outcome"),
           py::arg("confidence") = py::none(), py::return_value_policy::copy)
      .def("close", &ConsensusWorkflow::close, py::return_value_policy::copy)
      .def_property_readonly("result", &ConsensusWorkflow::result, py::return_value_policy::copy)
      .def("to_json", [](const ConsensusWorkflow& c) { return canonical_json_of(c.to_json()); })
      .def_static("from_json", [](const std::string& text) {
        return ConsensusWorkflow::from_json(parse_saved(text));
      });
}

}  // namespace aegis::python
