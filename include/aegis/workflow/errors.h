// Detail codes of the workflows (proposals, consensus, overrides, roles).
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_API_ERRORS(X)                                             \
  X(kApiInternal, "api.internal", kInternal,                            \
    "the workflow request failed with an unexpected internal error")    \
  X(kApiInvalid, "api.invalid", kInvalidInput,                          \
    "the workflow request body has a wrong value or shape")             \
  X(kApiNotFound, "api.not_found", kNotFound,                           \
    "the named proposal, override, consensus or action does not exist") \
  X(kApiStore, "api.store", kInternal, "the result could not be stored; the proposal did not move")
AEGIS_ERROR_TABLE(api, AEGIS_API_ERRORS)

#define AEGIS_ACTOR_ERRORS(X) \
  X(kActorInvalid, "actor.invalid", kInvalidInput, "an actor was created without an actor id")
AEGIS_ERROR_TABLE(actor, AEGIS_ACTOR_ERRORS)

#define AEGIS_AFA_ERRORS(X)                                                                        \
  X(kAfaFixedField, "afa.fixed_field", kInvalidInput,                                              \
    "the request sets a metrics field that the bridge itself fills in")                            \
  X(kAfaRequired, "afa.required", kInvalidInput,                                                   \
    "a required field of the AFA request is empty or missing")                                     \
  X(kAfaStore, "afa.store", kInternal, "the decision could not be stored, so it was not returned") \
  X(kAfaWrongType, "afa.wrong_type", kInvalidInput,                                                \
    "a field of the AFA request has the wrong JSON type")
AEGIS_ERROR_TABLE(afa, AEGIS_AFA_ERRORS)

#define AEGIS_APPROVAL_ERRORS(X)                                                            \
  X(kApprovalConfig, "approval.config", kInvalidInput,                                      \
    "a value of the approvals: section of the config cannot be applied")                    \
  X(kApprovalDuplicateApprover, "approval.duplicate_approver", kConflict,                   \
    "this actor has already approved this approval request")                                \
  X(kApprovalElicitation, "approval.elicitation", kForbidden,                               \
    "approval through the client is off in the policy, or the request is an ESCALATE")      \
  X(kApprovalInvalid, "approval.invalid", kInvalidInput,                                    \
    "an approval request or answer has a missing or invalid field")                         \
  X(kApprovalNotFound, "approval.not_found", kNotFound, "no approval request has this id")  \
  X(kApprovalNotPending, "approval.not_pending", kConflict,                                 \
    "the approval request is already approved, denied, expired or consumed")                \
  X(kApprovalSelfApproval, "approval.self_approval", kForbidden,                            \
    "the actor that asked for the approval tries to grant it")                              \
  X(kApprovalStale, "approval.stale", kConflict,                                            \
    "the id names an earlier round of this action's approvals; a newer request is current") \
  X(kApprovalStore, "approval.store", kInternal,                                            \
    "the approval could not be read or recorded; nothing was released")
AEGIS_ERROR_TABLE(approval, AEGIS_APPROVAL_ERRORS)

#define AEGIS_CALIBRATION_ERRORS(X)                                               \
  X(kCalibrationFloorLowered, "calibration.floor_lowered", kInvalidInput,         \
    "the calibration would lower the complexity floor, which may only rise")      \
  X(kCalibrationInvalid, "calibration.invalid", kInvalidInput,                    \
    "the calibration proposal has no justification")                              \
  X(kCalibrationSelfApproval, "calibration.self_approval", kForbidden,            \
    "the proposer of a calibration tries to approve it themselves")               \
  X(kCalibrationStale, "calibration.stale", kConflict,                            \
    "the parameter changed since the calibration was proposed; propose again")    \
  X(kCalibrationUnknownParameter, "calibration.unknown_parameter", kInvalidInput, \
    "the calibration names a numeric parameter that does not exist")
AEGIS_ERROR_TABLE(calibration, AEGIS_CALIBRATION_ERRORS)

#define AEGIS_CONSENSUS_ERRORS(X)                                                \
  X(kConsensusClosed, "consensus.closed", kConflict,                             \
    "the consensus is already settled and takes no more votes")                  \
  X(kConsensusDuplicateVote, "consensus.duplicate_vote", kConflict,              \
    "this voter has already voted in the consensus")                             \
  X(kConsensusInvalid, "consensus.invalid", kInvalidInput,                       \
    "a consensus id, voter id, voter count or confidence is missing or invalid") \
  X(kConsensusNotEligible, "consensus.not_eligible", kInvalidInput,              \
    "the voter is not in the electorate of this consensus")
AEGIS_ERROR_TABLE(consensus, AEGIS_CONSENSUS_ERRORS)

#define AEGIS_OVERRIDE_ERRORS(X)                                                             \
  X(kOverrideAlreadyFinal, "override.already_final", kConflict,                              \
    "the override is already approved, rejected or otherwise final")                         \
  X(kOverrideBadSignature, "override.bad_signature", kInvalidInput,                          \
    "the signature does not verify for this override and key")                               \
  X(kOverrideComplexityNotOverridable, "override.complexity_not_overridable", kInvalidInput, \
    "the complexity gate can never be overridden")                                           \
  X(kOverrideDuplicateRole, "override.duplicate_role", kInvalidInput,                        \
    "that custodian role has already signed this override")                                  \
  X(kOverrideExpired, "override.expired", kInvalidInput,                                     \
    "the override expired before this signature arrived")                                    \
  X(kOverrideInvalid, "override.invalid", kInvalidInput,                                     \
    "an override field is missing or invalid, or it is already signed")                      \
  X(kOverrideKeyNotRegistered, "override.key_not_registered", kInvalidInput,                 \
    "the key differs from the one registered for that custodian")                            \
  X(kOverrideMalformedKey, "override.malformed_key", kInvalidInput,                          \
    "the public key is not hex, base64 or a P2TR address")                                   \
  X(kOverrideMalformedSignature, "override.malformed_signature", kInvalidInput,              \
    "the signature is not a BIP-322 simple signature")                                       \
  X(kOverrideNoCustodians, "override.no_custodians", kConflict,                              \
    "the server has no custodians configured to sign overrides")                             \
  X(kOverrideNotACustodian, "override.not_a_custodian", kForbidden,                          \
    "the actor is not a registered custodian, or not for the role it signs in")              \
  X(kOverrideRegistry, "override.registry", kInvalidInput,                                   \
    "a custodian entry is malformed or has a bad public key")                                \
  X(kOverrideRequesterSigned, "override.requester_signed", kInvalidInput,                    \
    "the requester may not approve their own override")                                      \
  X(kOverrideSameActor, "override.same_actor", kInvalidInput,                                \
    "the same actor already signed for the other role")                                      \
  X(kOverrideSameKey, "override.same_key", kInvalidInput,                                    \
    "the same key already signed for the other role")                                        \
  X(kOverrideUnbound, "override.unbound", kConflict,                                         \
    "the override is not bound to its own id; request a new override")                       \
  X(kOverrideUnknownRole, "override.unknown_role", kInvalidInput,                            \
    "the signing role is neither risk_lead nor security_lead")
AEGIS_ERROR_TABLE(override, AEGIS_OVERRIDE_ERRORS)

#define AEGIS_PROPOSAL_ERRORS(X)                                                \
  X(kProposalIllegalTransition, "proposal.illegal_transition", kConflict,       \
    "the proposal is not in a state that allows this action")                   \
  X(kProposalInvalid, "proposal.invalid", kInvalidInput,                        \
    "a proposal id, proposer id or actor id is missing")                        \
  X(kProposalOverrideMismatch, "proposal.override_mismatch", kForbidden,        \
    "the override is for another proposal, context or set of gates")            \
  X(kProposalOverrideNotApproved, "proposal.override_not_approved", kForbidden, \
    "the override used to approve the proposal is not approved")                \
  X(kProposalSelfApproval, "proposal.self_approval", kForbidden,                \
    "the proposal creator cannot approve their own proposal")
AEGIS_ERROR_TABLE(proposal, AEGIS_PROPOSAL_ERRORS)

#define AEGIS_RBAC_ERRORS(X)                                                                    \
  X(kRbacConfig, "rbac.config", kInvalidInput,                                                  \
    "the RBAC section of the configuration has a bad value")                                    \
  X(kRbacDenied, "rbac.denied", kForbidden, "the actor lacks the permission this action needs") \
  X(kRbacInvalid, "rbac.invalid", kInvalidInput, "a role was assigned without an actor id")     \
  X(kRbacUnknownPermission, "rbac.unknown_permission", kInvalidInput,                           \
    "a role lists a permission that does not exist")
AEGIS_ERROR_TABLE(rbac, AEGIS_RBAC_ERRORS)

#define AEGIS_ROLLOUT_ERRORS(X)                                                         \
  X(kRolloutConfig, "rollout.config", kInvalidInput,                                    \
    "a value of the sources: section of the config cannot be applied")                  \
  X(kRolloutInvalid, "rollout.invalid", kInvalidInput,                                  \
    "a controller's request lacks a label or argument, or gives one that is not valid") \
  X(kRolloutNotConfigured, "rollout.not_configured", kNotFound,                         \
    "the server's config has no sources: section, so it cannot measure a rollout")      \
  X(kRolloutStore, "rollout.store", kInternal,                                          \
    "the rollout's decision or measurement could not be recorded; the gate stays shut") \
  X(kRolloutUnknownHook, "rollout.unknown_hook", kNotFound, "no Flagger webhook has this name")
AEGIS_ERROR_TABLE(rollout, AEGIS_ROLLOUT_ERRORS)

#define AEGIS_WORKFLOW_ERRORS(X)                                \
  X(kWorkflowSavedState, "workflow.saved_state", kInvalidInput, \
    "saved workflow state is malformed or inconsistent")
AEGIS_ERROR_TABLE(workflow, AEGIS_WORKFLOW_ERRORS)

}  // namespace aegis
