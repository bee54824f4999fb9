// WorkflowApi: construction, the helpers its files share, and the consensus and drift routes.
#include "aegis/workflow/workflow_api.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <vector>

#include "aegis/core/digest.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/core/uuid.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/workflow.h"
#include "workflow_api_internal.h"

namespace aegis {
namespace workflow_detail {

constexpr size_t kMaxText = 4096;  // the longest text field of a body

[[noreturn]] void bad(const std::string& field, const std::string& message) {
  throw_error(Error(errors::kApiInvalid, field, message));
}

[[noreturn]] void not_found(const std::string& what, const std::string& field) {
  throw_error(Error{errors::kApiNotFound, field, "no such " + what});
}

// A request body as JSON ({} for an empty body); StrictObject then reads its fields.
json json_body(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  return parse_json_strict(body);
}

// A body's fields: only the listed ones; null reads as absent.
StrictObject fields(const json& j, std::initializer_list<std::string_view> allowed) {
  return StrictObject(j, allowed, errors::kApiInvalid, "", true);
}

std::optional<std::string> opt_string(const StrictObject& in, const char* field) {
  return in.string(field, kMaxText);
}

std::string req_string(const StrictObject& in, const char* field) {
  auto s = opt_string(in, field);
  if (!s || s->empty()) bad(field, std::string(field) + " is required (a non-empty string)");
  return *s;
}

// Client-chosen ids: 1–128 characters of [A-Za-z0-9._:-], so they are safe in paths and logs.
std::string checked_id(const std::string& id, const char* field) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
                c == '-');
  if (!ok) bad(field, std::string(field) + " must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  return id;
}

std::vector<std::string> string_list(const json& v, const char* field) {
  if (!v.is_array()) bad(field, std::string(field) + " must be an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || v[i].get<std::string>().empty())
      bad(std::string(field) + "[" + std::to_string(i) + "]", "must be a non-empty string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

WorkflowOutcome done(json body) { return {std::move(body), WorkflowOutcome::Kind::kDone}; }
WorkflowOutcome created(json body) { return {std::move(body), WorkflowOutcome::Kind::kCreated}; }

// SHA-256 of the canonical JSON of a proposal's context: what a stored override commits to.
std::string proposal_context_hash(const ProposalWorkflow& p) {
  return sha256_hex(canonical_json(context_to_json(p.context())));
}

// A stored override counts only when its signed message names this very row: one saved by an
// earlier version (the reference's message, shared by every override with the same fields) or
// whose state was copied under another id is refused.
void require_bound(const OverrideWorkflow& w, std::string_view id) {
  if (!w.binding() || w.binding()->override_id != id)
    throw_error(Error{errors::kOverrideUnbound, "override_id",
                      "override " + std::string(id) +
                          " is not bound to its own id (saved by an earlier version or copied); "
                          "request a new override"});
}

}  // namespace workflow_detail

using namespace workflow_detail;  // the helpers the WorkflowApi files share

namespace {

std::vector<double> number_list(const StrictObject& in, const char* field) {
  const json* it = in.find(field);
  if (!it || !it->is_array()) bad(field, std::string(field) + " must be an array of numbers");
  std::vector<double> out;
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      bad(std::string(field) + "[" + std::to_string(i) + "]", "must be a finite number");
    out.push_back(v.get<double>());
  }
  return out;
}

json consensus_json(const ConsensusWorkflow& w, int64_t version) {
  const ConsensusResult& r = w.result();
  json j = w.to_json();
  j["version"] = version;
  j["approvals"] = r.approvals;
  j["rejections"] = r.rejections;
  j["abstentions"] = r.abstentions;
  j["agreement"] = r.agreement;
  return j;
}

}  // namespace

WorkflowApi::WorkflowApi(const AegisConfig& config, Store& store, std::mutex& store_lock,
                         const RBACEnforcer& rbac, const CustodianRegistry& custodians,
                         const DecisionService& service, PrometheusExporter* metrics,
                         TelemetryEmitter* telemetry)
    : config_(config),
      store_(store),
      store_lock_(store_lock),
      rbac_(rbac),
      custodians_(custodians),
      service_(service),
      drift_(config.create_drift_monitor()),
      metrics_(metrics),
      telemetry_(telemetry) {}

// ---- consensus ----------------------------------------------------------------------------------

WorkflowResult WorkflowApi::create_consensus(std::string_view, std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"consensus_id", "min_voters", "electorate"});
    const auto given = opt_string(in, "consensus_id");
    const std::string id = given ? checked_id(*given, "consensus_id") : new_uuid_v4();
    int min_voters = 3;
    if (j.contains("min_voters")) {
      if (!j["min_voters"].is_number_integer() || j["min_voters"].get<int64_t>() < 1 ||
          j["min_voters"].get<int64_t>() > 10000)
        bad("min_voters", "min_voters must be an integer in [1, 10000]");
      min_voters = j["min_voters"].get<int>();
    }
    std::vector<std::string> electorate;
    if (j.contains("electorate")) electorate = string_list(j["electorate"], "electorate");
    ConsensusWorkflow w(id, min_voters, electorate);
    std::lock_guard<std::mutex> g(store_lock_);
    const int64_t version = store_.save_object("consensus", id, w.to_json().dump(), 0);
    return created(consensus_json(w, version));
  });
}

WorkflowResult WorkflowApi::vote(std::string_view actor, std::string_view id,
                                 std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"outcome", "confidence"});
    const auto outcome = parse_vote(req_string(in, "outcome"));
    if (!outcome) bad("outcome", "outcome must be approve, reject or abstain");
    std::optional<double> confidence;
    if (j.contains("confidence") && !j["confidence"].is_null()) {
      if (!j["confidence"].is_number()) bad("confidence", "confidence must be a number in [0, 1]");
      confidence = j["confidence"].get<double>();
    }
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("consensus", id);
    if (!stored) not_found("consensus", "consensus_id");
    ConsensusWorkflow w = ConsensusWorkflow::from_json(json::parse(stored->state));
    w.vote(actor, *outcome, confidence);
    const int64_t version =
        store_.save_object("consensus", id, w.to_json().dump(), stored->version);
    return done(consensus_json(w, version));
  });
}

WorkflowResult WorkflowApi::close_consensus(std::string_view, std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("consensus", id);
    if (!stored) not_found("consensus", "consensus_id");
    ConsensusWorkflow w = ConsensusWorkflow::from_json(json::parse(stored->state));
    w.close();
    const int64_t version =
        store_.save_object("consensus", id, w.to_json().dump(), stored->version);
    return done(consensus_json(w, version));
  });
}

WorkflowResult WorkflowApi::get_consensus(std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("consensus", id);
    if (!stored) not_found("consensus", "consensus_id");
    return done(
        consensus_json(ConsensusWorkflow::from_json(json::parse(stored->state)), stored->version));
  });
}

// ---- drift --------------------------------------------------------------------------------------

void WorkflowApi::refresh_baseline_locked() {
  std::optional<StoredObject> stored;
  {
    std::lock_guard<std::mutex> g(store_lock_);
    stored = store_.load_object("drift", "baseline");
  }
  if (!stored || stored->version == baseline_version_) return;
  const std::vector<double> values = json::parse(stored->state).at("values");
  drift_.set_baseline(values);
  baseline_version_ = stored->version;
}

json WorkflowApi::drift_reply_locked(const DriftResult& r) {
  if (metrics_ && r.status != DriftStatus::INSUFFICIENT_DATA)
    metrics_->record_drift(r.kl_divergence);
  if (telemetry_ && (r.status == DriftStatus::WARNING || r.status == DriftStatus::CRITICAL))
    telemetry_->emit("drift.detected", drift_result_to_json(r));
  json j = drift_result_to_json(r);
  j["has_baseline"] = drift_.has_baseline();
  j["baseline_hash"] = drift_.baseline_hash() ? json(*drift_.baseline_hash()) : json(nullptr);
  j["window_size"] = drift_.window_size();
  return j;
}

WorkflowResult WorkflowApi::set_drift_baseline(std::string_view actor, std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"values"});
    const std::vector<double> values = number_list(in, "values");
    DriftMonitor check = config_.create_drift_monitor();
    check.set_baseline(values);  // validates before anything is saved
    std::lock_guard<std::mutex> d(drift_lock_);
    int64_t version = 0;
    {
      std::lock_guard<std::mutex> g(store_lock_);
      const auto stored = store_.load_object("drift", "baseline");
      const json state = {
          {"values", values}, {"baseline_hash", *check.baseline_hash()}, {"set_by", actor}};
      version = store_.save_object("drift", "baseline", state.dump(), stored ? stored->version : 0);
    }
    drift_.set_baseline(values);
    baseline_version_ = version;
    return done(drift_reply_locked(drift_.evaluate()));
  });
}

WorkflowResult WorkflowApi::add_drift_observations(std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"values"});
    const std::vector<double> values = number_list(in, "values");
    if (values.empty()) bad("values", "values must hold at least one number");
    std::lock_guard<std::mutex> d(drift_lock_);
    refresh_baseline_locked();
    for (double v : values) drift_.add_observation(v);
    const DriftResult r = drift_.evaluate();
    drift_history_.push_back({{"time", format_timestamp(std::chrono::system_clock::now())},
                              {"kl_divergence", r.kl_divergence},
                              {"status", to_string(r.status)},
                              {"n_current", r.n_current},
                              {"n_baseline", r.n_baseline}});
    if (drift_history_.size() > kDriftHistory) drift_history_.pop_front();
    return done(drift_reply_locked(r));
  });
}

WorkflowResult WorkflowApi::drift_history(std::string_view since) {
  return guarded([&] {
    std::lock_guard<std::mutex> d(drift_lock_);
    json points = json::array();
    for (const auto& p : drift_history_)
      if (since.empty() || p["time"].get<std::string>() >= since) points.push_back(p);
    return done({{"points", std::move(points)},
                 {"tau_warning", config_.kl_drift().tau_warning},
                 {"tau_critical", config_.kl_drift().tau_critical}});
  });
}

WorkflowResult WorkflowApi::drift_status() {
  return guarded([&] {
    std::lock_guard<std::mutex> d(drift_lock_);
    refresh_baseline_locked();
    return done(drift_reply_locked(drift_.evaluate()));
  });
}

}  // namespace aegis
