#include "aegis/workflow_api.h"

#include <cctype>
#include <cmath>
#include <set>
#include <vector>

#include "aegis/crypto/encoding.h"
#include "aegis/digest.h"
#include "aegis/errors/core.h"
#include "aegis/errors/server.h"
#include "aegis/errors/workflow.h"
#include "aegis/json.h"
#include "aegis/strict_object.h"
#include "aegis/uuid.h"
#include "aegis/workflow.h"

namespace aegis {
namespace {

using nlohmann::json;

constexpr size_t kMaxText = 4096;
constexpr int64_t kMaxTtlSeconds = 30LL * 24 * 3600;

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

// Runs `fn`, turning everything it throws into the result's Error; nothing escapes, and no
// library's text reaches an answer.
template <typename Fn>
WorkflowResult guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const AegisError& e) {
    return e.error();
  } catch (const json::exception&) {  // a value of an unexpected JSON type
    return Error(errors::kApiInvalid, "",
                 "the body does not have the shape the route documents (see "
                 "/openapi.json)");
  } catch (const std::exception&) {
    return Error{errors::kApiInternal, "", "internal error"};
  }
}

json proposal_json(const ProposalWorkflow& w, int64_t version) {
  json j = w.to_json();
  j["version"] = version;
  return j;
}

json override_json(OverrideWorkflow& w, const std::string& id, int64_t version) {
  const OverrideResult r = w.get_result();  // expiry applied
  json j = w.to_json();
  j["override_id"] = id;
  j["version"] = version;
  j["state"] = to_string(r.state);
  j["approved"] = r.approved;
  return j;
}

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

// ---- proposals ----------------------------------------------------------------------------------

WorkflowResult WorkflowApi::create_proposal(std::string_view actor, std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"proposal_id", "context"});
    const auto given = opt_string(in, "proposal_id");
    const std::string id = given ? checked_id(*given, "proposal_id") : new_uuid_v4();
    if (!j.contains("context") || !j["context"].is_object())
      bad("context", "context is required (a PCW context object)");
    ContextParser parser(config_, {.cli_aliases = true, .cli_defaults = true});
    auto ctx = parser.parse(j["context"].dump());
    if (!ctx) throw_error(ctx.error());
    ProposalWorkflow w(id, ctx.value().context, std::string(actor), &rbac_);
    std::lock_guard<std::mutex> g(store_lock_);
    const int64_t version = store_.save_object("proposal", id, w.to_json().dump(), 0);
    return created(proposal_json(w, version));
  });
}

WorkflowResult WorkflowApi::get_proposal(std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("proposal", id);
    if (!stored) not_found("proposal", "proposal_id");
    return done(
        proposal_json(ProposalWorkflow::from_json(json::parse(stored->state)), stored->version));
  });
}

std::optional<std::string_view> WorkflowApi::step_permission(std::string_view action) {
  if (action == "submit" || action == "withdraw") return "propose";
  if (action == "analyze") return "analyze";
  if (action == "approve" || action == "reject") return "approve";
  if (action == "execute" || action == "complete" || action == "fail") return "execute";
  return std::nullopt;
}

WorkflowResult WorkflowApi::proposal_step(std::string_view actor, std::string_view id,
                                          std::string_view action, std::string_view body) {
  return guarded([&] {
    if (!step_permission(action)) not_found("proposal action", "action");
    const json j = json_body(body);
    const StrictObject in = fields(j, {"reason", "override_id"});
    const std::string reason = opt_string(in, "reason").value_or("");
    const auto override_id = opt_string(in, "override_id");
    if (override_id && action != "approve")
      bad("override_id", "override_id is accepted only by approve");
    // The store is locked only to read and to save: an analysis waits for its decision to be
    // durable in between (the decision log takes the lock too), and a step that raced another
    // loses at the save (version check).
    auto load = [&](const char* type, std::string_view key) {
      std::lock_guard<std::mutex> g(store_lock_);
      return store_.load_object(type, key);
    };
    const auto stored = load("proposal", id);
    if (!stored) not_found("proposal", "proposal_id");
    ProposalWorkflow w = ProposalWorkflow::from_json(json::parse(stored->state), &rbac_);
    if (action == "submit") {
      w.submit(actor, reason);
    } else if (action == "analyze") {
      // Decided, counted and recorded by the one decision pipeline; the decision joins the
      // chain before the proposal moves on it.
      std::optional<Evaluation> made;
      w.analyze(actor, [&](const PCWContext& context) {
        auto e = service_.evaluate(context);
        if (!e) throw_error(e.error());
        made = std::move(e).value();
        return made->decision;
      });
      if (!service_.record_and_wait({made->entry()}))
        throw_error(Error{errors::kApiStore, "",
                          "the analysis could not be stored; the proposal did not move"});
    } else if (action == "approve" && override_id) {
      const auto o = load("override", *override_id);
      if (!o) not_found("override", "override_id");
      OverrideWorkflow ow = OverrideWorkflow::from_json(json::parse(o->state), &custodians_);
      require_bound(ow, *override_id);
      if (ow.binding()->context_hash != proposal_context_hash(w))
        throw_error(Error{errors::kProposalOverrideMismatch, "override_id",
                          "the override's signatures do not cover this proposal's context (it "
                          "was requested before the proposal was stored)"});
      w.approve_with_override(actor, ow, ow.get_result());
    } else if (action == "approve") {
      w.approve(actor, reason);
    } else if (action == "reject") {
      w.reject(actor, reason);
    } else if (action == "execute") {
      w.execute(actor, reason);
    } else if (action == "complete") {
      w.complete(actor, reason);
    } else if (action == "fail") {
      w.fail(actor, reason);
    } else {
      w.withdraw(actor, reason);
    }
    std::lock_guard<std::mutex> g(store_lock_);
    const int64_t version = store_.save_object("proposal", id, w.to_json().dump(), stored->version);
    return done(proposal_json(w, version));
  });
}

// ---- two-key overrides --------------------------------------------------------------------------

WorkflowResult WorkflowApi::create_override(std::string_view actor, std::string_view body) {
  return guarded([&] {
    if (custodians_.empty())
      throw_error(Error{errors::kOverrideNoCustodians, "custodians",
                        "this server has no custodians configured (config `custodians:`)"});
    const json j = json_body(body);
    const StrictObject in =
        fields(j, {"proposal_id", "justification", "failed_gates", "ttl_seconds"});
    const std::string proposal_id = checked_id(req_string(in, "proposal_id"), "proposal_id");
    const std::string justification = req_string(in, "justification");
    int64_t ttl = 24 * 3600;
    if (j.contains("ttl_seconds")) {
      if (!j["ttl_seconds"].is_number_integer() || j["ttl_seconds"].get<int64_t>() < 1 ||
          j["ttl_seconds"].get<int64_t>() > kMaxTtlSeconds)
        bad("ttl_seconds", "ttl_seconds must be an integer in [1, 2592000]");
      ttl = j["ttl_seconds"].get<int64_t>();
    }
    std::lock_guard<std::mutex> g(store_lock_);
    std::vector<std::string> gates;
    std::string context_hash;
    const auto p = store_.load_object("proposal", proposal_id);
    if (p) {
      const ProposalWorkflow proposal = ProposalWorkflow::from_json(json::parse(p->state));
      context_hash = proposal_context_hash(proposal);
      gates = proposal.decision_failing_gates();
    }
    if (j.contains("failed_gates")) gates = string_list(j["failed_gates"], "failed_gates");
    if (gates.empty())
      bad("failed_gates",
          "failed_gates is required unless the proposal is stored with failing gates");
    const std::string id = new_uuid_v4();
    OverrideWorkflow w(proposal_id, justification, gates, std::string(actor),
                       std::chrono::seconds(ttl), &custodians_);
    // The signatures commit to this override's id, expiry and the proposal's context: none made
    // for another override, an expired one or the reference's message counts here.
    w.bind({id, context_hash});
    const int64_t version = store_.save_object("override", id, w.to_json().dump(), 0);
    json out = override_json(w, id, version);
    if (metrics_) metrics_->record_override("requested");
    override_event("override.requested", out);
    if (out["state"] == "rejected") override_event("override.rejected", out);
    return created(out);
  });
}

WorkflowResult WorkflowApi::sign_override(std::string_view actor, std::string_view id,
                                          std::string_view body) {
  return guarded([&] {
    const json j = json_body(body);
    const StrictObject in = fields(j, {"role", "signature", "public_key"});
    const std::string role = req_string(in, "role");
    const std::string signature = req_string(in, "signature");
    // Someone who is no custodian at all is not a party to the override: refused without
    // touching it (else any holder of sign_override could reject every override).
    const Custodian* custodian = custodians_.find(actor);
    if (!custodian)
      throw_error(Error{errors::kOverrideNotACustodian, "actor_id",
                        std::string(actor) + " is not a registered custodian"});
    std::string public_key = opt_string(in, "public_key").value_or("");
    if (public_key.empty())
      public_key = crypto::to_hex(custodian->public_key.data(), custodian->public_key.size());
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("override", id);
    if (!stored) not_found("override", "override_id");
    OverrideWorkflow w = OverrideWorkflow::from_json(json::parse(stored->state), &custodians_);
    require_bound(w, id);
    const OverrideRejection r = w.add_signature(actor, role, signature, public_key);
    if (r == OverrideRejection::kAlreadyFinal)
      throw_error(Error{errors::kOverrideAlreadyFinal, "override_id",
                        "the override is already " + std::string(to_string(w.state()))});
    const int64_t version = store_.save_object("override", id, w.to_json().dump(), stored->version);
    json out = override_json(w, std::string(id), version);
    const char* outcome = r != OverrideRejection::kNone ? "rejected"
                          : out["approved"].get<bool>() ? "approved"
                                                        : "signed";
    if (metrics_) metrics_->record_override(outcome);
    if (outcome[0] != 's') override_event(std::string("override.") + outcome, out);
    if (r == OverrideRejection::kNone) return done(out);
    const ErrorCode& why = rejection_error(r);
    json err = error_to_json(Error(why, "signature", out["reason_message"].get<std::string>()));
    err["override"] = std::move(out);
    return WorkflowOutcome{std::move(err), WorkflowOutcome::Kind::kRefused, why.kind};
  });
}

WorkflowResult WorkflowApi::get_override(std::string_view id) {
  return guarded([&] {
    std::lock_guard<std::mutex> g(store_lock_);
    const auto stored = store_.load_object("override", id);
    if (!stored) not_found("override", "override_id");
    OverrideWorkflow w = OverrideWorkflow::from_json(json::parse(stored->state), &custodians_);
    return done(override_json(w, std::string(id), stored->version));
  });
}

// ---- lists --------------------------------------------------------------------------------------

// Walks the objects of `type` newest change first, a store page at a time, until `limit` of them
// were kept by `visit(id, state, version)` (a JSON object, or null to skip it).
template <typename Visit>
WorkflowResult WorkflowApi::list_objects(const char* type, const char* key, size_t limit,
                                         int64_t cursor, Visit visit) {
  return guarded([&] {
    constexpr size_t kPage = 200;
    json items = json::array();
    int64_t before = cursor, last_kept = 0;
    bool more = true;
    while (items.size() < limit && more) {
      std::vector<Store::ListedObject> page;
      {
        std::lock_guard<std::mutex> g(store_lock_);
        page = store_.list_objects(type, kPage, before);
      }
      more = page.size() == kPage;
      for (const auto& o : page) {
        before = o.seq;
        json item = visit(o.id, json::parse(o.object.state), o.object.version);
        if (item.is_null()) continue;
        items.push_back(std::move(item));
        last_kept = o.seq;
        if (items.size() == limit) {
          more = more || &o != &page.back();
          break;
        }
      }
    }
    json out = {{key, std::move(items)}};
    out["next_cursor"] =
        more && out[key].size() == limit ? json(std::to_string(last_kept)) : json();
    return done(std::move(out));
  });
}

WorkflowResult WorkflowApi::list_proposals(std::string_view state, size_t limit, int64_t cursor) {
  if (!state.empty() && !parse_proposal_state(state))
    return Error(errors::kJsonQuery, "state",
                 "not a proposal state (draft, submitted, under_review, approved, "
                 "rejected, escalated, executing, completed, failed, withdrawn)");
  return list_objects("proposal", "proposals", limit, cursor,
                      [&](const std::string&, const json& saved, int64_t version) {
                        json j = proposal_json(ProposalWorkflow::from_json(saved), version);
                        return state.empty() || j["state"] == state ? j : json();
                      });
}

WorkflowResult WorkflowApi::list_overrides(std::string_view state, size_t limit, int64_t cursor) {
  // "open": waiting for a signature (pending or partial), what the console lists first.
  if (!state.empty() && state != "open" && !value_in<kOverrideStateNames>(state))
    return Error(errors::kJsonQuery, "state",
                 "not an override state (pending, partial, approved, rejected) or open");
  return list_objects("override", "overrides", limit, cursor,
                      [&](const std::string& id, const json& saved, int64_t version) {
                        OverrideWorkflow w = OverrideWorkflow::from_json(saved, &custodians_);
                        json j = override_json(w, id, version);
                        const bool open = j["state"] == "pending" || j["state"] == "partial";
                        if (!state.empty() && j["state"] != state && !(state == "open" && open))
                          return json();
                        json missing = json::array();
                        for (std::string_view role : {kRiskLead, kSecurityLead}) {
                          bool signed_it = false;
                          for (const auto& sig : j["signatures"])
                            signed_it = signed_it || sig["role"] == role;
                          if (!signed_it) missing.push_back(role);
                        }
                        j["signatures_missing"] = std::move(missing);
                        return j;
                      });
}

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

void WorkflowApi::override_event(const std::string& type, const json& o) {
  if (!telemetry_) return;
  telemetry_->emit(type, {{"override_id", o["override_id"]},
                          {"proposal_id", o["proposal_id"]},
                          {"failed_gates", o["failed_gates"]},
                          {"state", o["state"]},
                          {"reason", o["reason"]},
                          {"requested_by", o["requested_by"]}});
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
