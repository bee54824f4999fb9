#include "aegis/workflow/actors.h"

#include <cmath>

#include "aegis/workflow/errors.h"

namespace aegis {
namespace {

double* parameter_slot(AegisParameters& p, const std::string& name) {
  for (const auto& [n, member] : numeric_parameters())
    if (name == n) return &(p.*member);
  return nullptr;
}

}  // namespace

nlohmann::json calibration_to_json(const CalibrationRecord& r) {
  const auto ms = [](std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  return {{"parameter", r.proposal.parameter},
          {"current_value", r.proposal.current_value},
          {"proposed_value", r.proposal.proposed_value},
          {"justification", r.proposal.justification},
          {"proposed_by", r.proposal.proposed_by},
          {"proposed_at_ms", ms(r.proposal.proposed_at)},
          {"approved_by", r.approved_by},
          {"old_config_hash", r.old_config_hash},
          {"new_config_hash", r.new_config_hash},
          {"applied_at_ms", ms(r.applied_at)}};
}

Actor::Actor(std::string actor_id, std::string name, ActorRole role)
    : actor_id_(std::move(actor_id)), name_(std::move(name)), role_(role) {
  if (actor_id_.empty())
    throw_error(Error(errors::kActorInvalid, "actor_id", "actor_id is required"));
}

CalibrationProposal Calibrator::propose(const AegisConfig& current, std::string parameter,
                                        double value, std::string justification) const {
  AegisParameters p = current.parameters();
  double* slot = parameter_slot(p, parameter);
  if (!slot)
    throw_error(Error(errors::kCalibrationUnknownParameter, "parameter",
                      "unknown numeric parameter \"" + parameter + "\""));
  if (justification.empty())
    throw_error(Error(errors::kCalibrationInvalid, "justification", "a justification is required"));
  if (parameter == "complexity_floor" && value < *slot)
    throw_error(Error(errors::kCalibrationFloorLowered, "complexity_floor",
                      "the complexity floor can be raised, never lowered"));
  const double old = *slot;
  *slot = value;
  (void)AegisConfig(p);  // validates the new value (InvalidInputError naming the field)
  return {std::move(parameter),     old,        value,
          std::move(justification), actor_id(), std::chrono::system_clock::now()};
}

AegisConfig Governance::apply(const AegisConfig& current, const CalibrationProposal& proposal,
                              const Actor& approver, CalibrationRecord* record) const {
  if (!approver.capabilities().can("approve"))
    throw_error(Error{errors::kRbacDenied, "approver",
                      "actor '" + approver.actor_id() + "' lacks the 'approve' permission"});
  if (approver.actor_id() == proposal.proposed_by)
    throw_error(Error{errors::kCalibrationSelfApproval, "approver",
                      "the proposer of a calibration may not approve it"});
  AegisParameters p = current.parameters();
  double* slot = parameter_slot(p, proposal.parameter);
  if (!slot)
    throw_error(Error(errors::kCalibrationUnknownParameter, "parameter",
                      "unknown numeric parameter \"" + proposal.parameter + "\""));
  if (*slot != proposal.current_value)
    throw_error(Error{errors::kCalibrationStale, "parameter",
                      proposal.parameter + " changed since the proposal was made"});
  if (proposal.parameter == "complexity_floor" && proposal.proposed_value < *slot)
    throw_error(Error(errors::kCalibrationFloorLowered, "complexity_floor",
                      "the complexity floor can be raised, never lowered"));
  *slot = proposal.proposed_value;
  AegisConfig next(p);
  if (record) {
    *record = {proposal, approver.actor_id(), current.config_hash(), next.config_hash(),
               std::chrono::system_clock::now()};
  }
  return next;
}

}  // namespace aegis
