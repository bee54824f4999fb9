// The workflow routes of `aegis serve` (docs/interfaces.md#http-api) without the transport:
// proposals, two-key overrides, consensus and drift. Workflows live in a Store as versioned
// objects, so several servers on one PostgreSQL share them; every step is saved with optimistic
// concurrency (a lost race is a conflict, never a silent overwrite) and leaves an audit entry. Each
// call takes the authenticated actor and the request body and returns a typed result; errors name
// the field. Thread-safe: store access is serialised by the given mutex, the drift monitor by its
// own.
#pragma once

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/config.h"
#include "aegis/core/drift.h"
#include "aegis/core/error.h"
#include "aegis/core/gates.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"
#include "aegis/telemetry/metrics.h"
#include "aegis/telemetry/telemetry.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/rbac.h"

namespace aegis {

// What a workflow step answers: the object's JSON, and whether it was created, or refused and
// saved as refused (a signature that rejected its override: the body is the error with the
// override, answered with the status of `refusal`). Errors are Result's Error; the transport
// maps both through kErrorKinds.
struct WorkflowOutcome {
  enum class Kind { kDone, kCreated, kRefused };
  nlohmann::json body;
  Kind kind = Kind::kDone;
  ErrorKind refusal = ErrorKind::kInvalidInput;
};
using WorkflowResult = Result<WorkflowOutcome>;

class WorkflowApi {
 public:
  // Everything is borrowed and must outlive the WorkflowApi. `custodians` is the registry every
  // override signature is checked against; overrides are refused while it is empty. `metrics`
  // (optional) counts override outcomes and shows the drift KL; `telemetry` (optional) gets the
  // override.* and drift.detected events.
  // `service` decides and records the analysis of a proposal (the one decision pipeline);
  // calls may block on the store: run them where blocking is allowed (a worker thread).
  WorkflowApi(const AegisConfig& config, Store& store, std::mutex& store_lock,
              const RBACEnforcer& rbac, const CustodianRegistry& custodians,
              const DecisionService& service, PrometheusExporter* metrics = nullptr,
              TelemetryEmitter* telemetry = nullptr);

  // POST /v1/proposals {proposal_id?, context} → 201; the actor is the proposer.
  WorkflowResult create_proposal(std::string_view actor, std::string_view body);
  WorkflowResult get_proposal(std::string_view id);
  // POST /v1/proposals/{id}/{action} {reason?} (approve also {override_id?}: approves a
  // proposal a HALT rejected, with an approved two-key override covering its failing gates).
  WorkflowResult proposal_step(std::string_view actor, std::string_view id, std::string_view action,
                               std::string_view body);
  // The RBAC permission a proposal action needs; nullopt for an unknown action.
  static std::optional<std::string_view> step_permission(std::string_view action);

  // POST /v1/overrides {proposal_id, justification, failed_gates?, ttl_seconds?} → 201. The
  // failing gates default to those of the stored proposal's decision; the actor is the requester.
  WorkflowResult create_override(std::string_view actor, std::string_view body);
  // POST /v1/overrides/{id}/signatures {role, signature, public_key?}: the actor signs as the
  // custodian it is registered as (public_key defaults to the registered key); an actor that is
  // no custodian is 403 and changes nothing. A refused signature rejects the override (saved)
  // and answers 422 with the reason.
  WorkflowResult sign_override(std::string_view actor, std::string_view id, std::string_view body);
  WorkflowResult get_override(std::string_view id);

  // GET /v1/proposals?state= and GET /v1/overrides?state=: the most recently changed first,
  // `limit` at most, changed before `cursor` (a seq; 0: from the newest); `state` (empty: any)
  // must name a state ("submitted", "pending", ...; an override's state with its expiry
  // applied; "open" lists pending and partial overrides), else InvalidInput "json.query".
  // {"proposals"|"overrides": [...], "next_cursor"}. Each override also lists
  // `signatures_missing`: the custodian roles that have not signed yet.
  WorkflowResult list_proposals(std::string_view state, size_t limit, int64_t cursor);
  WorkflowResult list_overrides(std::string_view state, size_t limit, int64_t cursor);

  // POST /v1/consensus {consensus_id?, min_voters?, electorate?} → 201.
  WorkflowResult create_consensus(std::string_view actor, std::string_view body);
  // POST /v1/consensus/{id}/votes {outcome, confidence?}: the actor is the voter.
  WorkflowResult vote(std::string_view actor, std::string_view id, std::string_view body);
  WorkflowResult close_consensus(std::string_view actor, std::string_view id);
  WorkflowResult get_consensus(std::string_view id);

  // POST /v1/drift/baseline {values: [≥ 30 numbers]}: shared through the store; observations
  // (POST /v1/drift/observations {values}) are kept by this process.
  WorkflowResult set_drift_baseline(std::string_view actor, std::string_view body);
  WorkflowResult add_drift_observations(std::string_view body);
  WorkflowResult drift_status();
  // GET /v1/drift/history?since=: the drift evaluations of this process's observations, oldest
  // first, each {time, kl_divergence, status, n_current, n_baseline}, with the thresholds; the
  // last kDriftHistory are kept. `since` (RFC 3339 UTC, or empty) keeps the later ones.
  static constexpr size_t kDriftHistory = 10000;
  WorkflowResult drift_history(std::string_view since);

 private:
  void refresh_baseline_locked();  // drift_lock_ held
  nlohmann::json drift_reply_locked(const DriftResult& r);
  void override_event(const std::string& type, const nlohmann::json& override_json);
  // A page of the objects of `type` as {key: [...], "next_cursor"}, for the proposal and override
  // lists; defined in src/workflow/workflow_api_internal.h.
  template <typename Visit>
  WorkflowResult list_objects(const char* type, const char* key, size_t limit, int64_t cursor,
                              Visit visit);

  const AegisConfig& config_;
  Store& store_;
  std::mutex& store_lock_;
  const RBACEnforcer& rbac_;
  const CustodianRegistry& custodians_;
  const DecisionService& service_;

  std::mutex drift_lock_;
  DriftMonitor drift_;
  std::deque<nlohmann::json> drift_history_;  // drift_lock_ held
  int64_t baseline_version_ = 0;
  PrometheusExporter* metrics_;
  TelemetryEmitter* telemetry_;
};

}  // namespace aegis
