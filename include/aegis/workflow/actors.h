// Actors of the governance process (docs/workflows.md): who proposes, analyses, approves, executes
// and calibrates, and what each may do by default. Immutable values: thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "aegis/core/config.h"
#include "aegis/workflow/rbac.h"

namespace aegis {

// The permissions an actor's role grants by default.
struct ActorCapabilities {
  std::set<std::string> permissions;
  bool can(std::string_view permission) const {
    return permissions.find(std::string(permission)) != permissions.end();
  }
};

class Actor {
 public:
  // Throws InvalidInputError for an empty actor_id.
  Actor(std::string actor_id, std::string name, ActorRole role);
  virtual ~Actor() = default;
  const std::string& actor_id() const noexcept { return actor_id_; }
  const std::string& name() const noexcept { return name_; }
  ActorRole role() const noexcept { return role_; }
  ActorCapabilities capabilities() const { return {default_permissions(role_)}; }

 private:
  std::string actor_id_, name_;
  ActorRole role_;
};

class Proposer : public Actor {
 public:
  Proposer(std::string actor_id, std::string name)
      : Actor(std::move(actor_id), std::move(name), ActorRole::PROPOSER) {}
};

class Analyst : public Actor {
 public:
  Analyst(std::string actor_id, std::string name)
      : Actor(std::move(actor_id), std::move(name), ActorRole::ANALYST) {}
};

class Executor : public Actor {
 public:
  Executor(std::string actor_id, std::string name)
      : Actor(std::move(actor_id), std::move(name), ActorRole::EXECUTOR) {}
};

// A proposed change of one numeric parameter.
struct CalibrationProposal {
  std::string parameter;
  double current_value = 0.0;
  double proposed_value = 0.0;
  std::string justification;
  std::string proposed_by;
  std::chrono::system_clock::time_point proposed_at;
};

// What Governance applied: the audit entry of a calibration.
struct CalibrationRecord {
  CalibrationProposal proposal;
  std::string approved_by;
  std::string old_config_hash;
  std::string new_config_hash;
  std::chrono::system_clock::time_point applied_at;
};

// The audit-entry body of a calibration (kind "calibration").
nlohmann::json calibration_to_json(const CalibrationRecord& record);

class Calibrator : public Actor {
 public:
  Calibrator(std::string actor_id, std::string name)
      : Actor(std::move(actor_id), std::move(name), ActorRole::CALIBRATOR) {}
  // Proposes `parameter` = `value` against `current`. Throws InvalidInputError for an unknown
  // parameter, an out-of-range value, a lowered complexity_floor, or an empty justification.
  CalibrationProposal propose(const AegisConfig& current, std::string parameter, double value,
                              std::string justification) const;
};

class Governance : public Actor {
 public:
  Governance(std::string actor_id, std::string name)
      : Actor(std::move(actor_id), std::move(name), ActorRole::ADMIN) {}
  // Applies an approved proposal: `approver` must hold the approve permission and must not be
  // the proposer (PermissionDeniedError); `current` must still hold the proposal's current
  // value (ConflictError); complexity_floor can never be lowered (InvalidInputError). Returns
  // the new configuration and fills `record` when given.
  AegisConfig apply(const AegisConfig& current, const CalibrationProposal& proposal,
                    const Actor& approver, CalibrationRecord* record = nullptr) const;
};

}  // namespace aegis
