// A rollout's gate (docs/rollouts.md): Argo Rollouts' analysis and Flagger's webhooks ask
// whether a revision may go on. The context is measured from Prometheus (`sources:`), decided by
// the DecisionService and recorded with the rollout it is about; a measurement that gives no
// number answers NO_DATA, recorded as an event of its own and never as a decision. A decision is
// reused under its key — the controller's (namespace, name, revision, hook) and the caller's key
// — so that a controller polling one hook gets one decision, which an approval may open.
// Thread-safe: store access is serialised by the given mutex; queries run unlocked.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/core/names.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"
#include "aegis/telemetry/prometheus_query.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/rollout_sources.h"

namespace aegis {

// Wire form: "argo-rollouts", "flagger".
enum class RolloutController { ARGO_ROLLOUTS, FLAGGER };
inline constexpr EnumName<RolloutController> kRolloutControllerNames[] = {
    {RolloutController::ARGO_ROLLOUTS, "argo-rollouts"},
    {RolloutController::FLAGGER, "flagger"},
};
std::string_view to_string(RolloutController c) noexcept;

// What a gate answers: the decision's status, or NO_DATA when a measurement gave no number.
// Wire form: "PROCEED", "PAUSE", "HALT", "ESCALATE", "NO_DATA" (the enumerator is MISSING_DATA:
// <netdb.h> defines NO_DATA as a macro).
enum class RolloutVerdict { PROCEED, PAUSE, HALT, ESCALATE, MISSING_DATA };
inline constexpr EnumName<RolloutVerdict> kRolloutVerdictNames[] = {
    {RolloutVerdict::PROCEED, "PROCEED"},
    {RolloutVerdict::PAUSE, "PAUSE"},
    {RolloutVerdict::HALT, "HALT"},
    {RolloutVerdict::ESCALATE, "ESCALATE"},
    {RolloutVerdict::MISSING_DATA, "NO_DATA"},
};
std::string_view to_string(RolloutVerdict v) noexcept;

// One question of a controller.
struct RolloutRequest {
  RolloutController controller = RolloutController::ARGO_ROLLOUTS;
  std::string hook;      // Flagger's webhook type; "analysis" for Argo Rollouts
  RolloutLabels labels;  // namespace, name, revision (required), stable_revision (optional)
  // Whether the decision kept under the request's key — (controller, labels, hook, key) — is
  // answered again: never; within `window` of being made (Argo Rollouts' key); or while it
  // holds (Flagger's polled hooks): a PAUSE or ESCALATE until an approval opens it, a HALT within
  // `window`. An open answer is not kept: the controller moves on, and its next question is new.
  enum class Reuse { kNever, kWithinWindow, kWhileHeld };
  Reuse reuse = Reuse::kNever;
  std::string key;
  std::chrono::seconds window{0};
  bool approvable = false;  // a PAUSE or ESCALATE is held for an approval (Flagger's holds)
  std::string actor;        // the API key's actor: the approval's requester
  nlohmann::json details = nlohmann::json::object();  // recorded as sent (Flagger: phase, metadata)
};

struct RolloutAnswer {
  RolloutVerdict verdict = RolloutVerdict::MISSING_DATA;
  std::string decision_id;  // empty for NO_DATA
  std::string event_id;     // NO_DATA: the id of its audit entry
  nlohmann::json decision =
      nlohmann::json::object();  // decision_id, status, gate_evaluation, rationale, ...
  // field: {query, query_ms (how long Prometheus took), value | gap}
  nlohmann::json measurements = nlohmann::json::object();
  bool reused = false;
  bool released = false;  // an approval opened this PAUSE or ESCALATE
  std::optional<Approval> approval;
  nlohmann::json to_json(const RolloutRequest& request) const;
};

class RolloutGate {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // One instant query; by default the sources' Prometheus server (PrometheusClient::query).
  using Query = std::function<Measurement(std::string_view promql)>;
  // Everything is borrowed and must outlive this; `approvals` may be null (nothing is held for
  // approval then), `store` may not.
  RolloutGate(const RolloutSources& sources, const DecisionService& service, Store& store,
              std::mutex& store_lock, Approvals* approvals, Clock clock = {}, Query query = {});

  // Measures, decides and records — or answers the decision kept under the request's key.
  // Errors: "rollout.invalid" (a label missing or not valid), "rollout.store" (nothing could be
  // recorded or read, or anything else failed: never an answer the controller would take as a
  // pass), the approvals' errors.
  Result<RolloutAnswer> decide(const RolloutRequest& request);

  // Records what a controller reports without asking (Flagger's event webhook): namespace and
  // name required, every label checked ("rollout.invalid"); "rollout.store" when not recorded.
  Result<std::string> record_event(const RolloutRequest& request);

  const RolloutSources& sources() const noexcept { return sources_; }
  // The store object that keeps the decision of a request's key.
  static std::string object_id(const RolloutRequest& request);

 private:
  Result<RolloutAnswer> measure_and_decide(const RolloutRequest& request);
  Result<RolloutAnswer> hold(const RolloutRequest& request, RolloutAnswer answer);
  Result<RolloutAnswer> decide_unguarded(const RolloutRequest& request);
  std::optional<RolloutAnswer> kept(const RolloutRequest& request, int64_t& version);
  void keep(const RolloutRequest& request, const RolloutAnswer& answer, int64_t version);
  int64_t now_ms() const;

  const RolloutSources& sources_;
  const DecisionService& service_;
  Store& store_;
  std::mutex& store_lock_;
  Approvals* approvals_;
  Clock clock_;
  std::string config_hash_;  // of the engine and the sources: bound in an approval's digest
  PrometheusClient prometheus_;
  Query query_;
};

}  // namespace aegis
