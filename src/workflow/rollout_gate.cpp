// A rollout's gate: measure, decide, record, reuse, hold (docs/rollouts.md).
#include "aegis/workflow/rollout_gate.h"

#include <chrono>

#include "aegis/core/context_fields.h"
#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/workflow/errors.h"

namespace aegis {
namespace {

using nlohmann::json;
constexpr std::string_view kObjectType = "rollout_gate";

// The rollout a request is about, as recorded and answered.
json rollout_json(const RolloutRequest& r) {
  json out = {{"controller", to_string(r.controller)}, {"hook", r.hook}};
  for (const auto& [name, value] : r.labels) out[name] = value;
  if (!r.key.empty()) out["key"] = r.key;
  return out;
}

RolloutVerdict verdict_of(PCWStatus s) {
  switch (s) {
    case PCWStatus::PROCEED:
      return RolloutVerdict::PROCEED;
    case PCWStatus::PAUSE:
      return RolloutVerdict::PAUSE;
    case PCWStatus::HALT:
      return RolloutVerdict::HALT;
    case PCWStatus::ESCALATE:
      return RolloutVerdict::ESCALATE;
  }
  return RolloutVerdict::HALT;
}

std::string number_text(double v) {
  std::string out;
  append_number(out, v);
  return out;
}

// A measured value the field cannot take is a gap too: it never becomes a number in the context.
Measurement in_range(std::string_view field, Measurement m) {
  const ContextField* row = context_field(field);  // a numeric field: checked at load
  if (m.value && row && (*m.value < row->lo || *m.value > row->hi))
    return {std::nullopt,
            number_text(*m.value) + " is outside the field's range [" + number_text(row->lo) +
                ", " + number_text(row->hi) + "]",
            m.elapsed};
  return m;
}

json answer_state(const RolloutAnswer& a, int64_t decided_at_ms) {
  return {{"verdict", to_string(a.verdict)},
          {"decision_id", a.decision_id},
          {"decision", a.decision},
          {"measurements", a.measurements},
          {"decided_at_ms", decided_at_ms},
          {"released_by", a.released && a.approval ? json(a.approval->id) : json(nullptr)}};
}

// The request's labels, each one its label accepts; namespace and name always, and the revision
// when a decision is asked for.
std::optional<Error> check_labels(const RolloutRequest& r, bool deciding) {
  for (const char* required : {"namespace", "name", "revision"})
    if (!r.labels.contains(required) && (deciding || std::string_view(required) != "revision"))
      return Error(errors::kRolloutInvalid, required, std::string(required) + " is required");
  for (const auto& [name, value] : r.labels)
    if (auto e = check_rollout_label(name, value)) return e;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RolloutController c) noexcept {
  return name_in(kRolloutControllerNames, c);
}
std::string_view to_string(RolloutVerdict v) noexcept { return name_in(kRolloutVerdictNames, v); }

json RolloutAnswer::to_json(const RolloutRequest& request) const {
  json out = decision;  // decision_id, status, failing_gates, gate_evaluation, rationale, ...
  out["decision"] = to_string(verdict);
  out["measurements"] = measurements;
  out["rollout"] = rollout_json(request);
  out["reused"] = reused;
  out["released"] = released;
  out["approval"] = approval ? approval->to_json() : json(nullptr);
  if (!event_id.empty()) out["event_id"] = event_id;
  return out;
}

RolloutGate::RolloutGate(const RolloutSources& sources, const DecisionService& service,
                         Store& store, std::mutex& store_lock, Approvals* approvals, Clock clock,
                         Query query)
    : sources_(sources),
      service_(service),
      store_(store),
      store_lock_(store_lock),
      approvals_(approvals),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      config_hash_(sha256_hex(service.config().config_hash() + sources.hash)),
      prometheus_(sources.prometheus_url, sources.timeout),
      query_(query ? std::move(query)
                   : Query([this](std::string_view q) { return prometheus_.query(q); })) {}

int64_t RolloutGate::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

std::string RolloutGate::object_id(const RolloutRequest& r) {
  std::string key(to_string(r.controller));
  for (const auto& [name, value] : r.labels) key += "\n" + name + "=" + value;
  key += "\nhook=" + r.hook + "\nkey=" + r.key;
  return "rg-" + sha256_hex(key).substr(0, 32);
}

Result<RolloutAnswer> RolloutGate::decide(const RolloutRequest& request) {
  try {
    return decide_unguarded(request);
  } catch (const AegisError& e) {
    return e.error();
  } catch (const std::exception& e) {
    return Error(errors::kRolloutStore, "", std::string("the gate failed: ") + e.what());
  }
}

Result<RolloutAnswer> RolloutGate::decide_unguarded(const RolloutRequest& request) {
  if (auto e = check_labels(request, true)) return *e;
  const bool reusing = request.reuse != RolloutRequest::Reuse::kNever;
  int64_t version = 0;
  std::optional<RolloutAnswer> answer = reusing ? kept(request, version) : std::nullopt;
  if (answer) {
    answer->reused = true;
  } else {
    auto decided = measure_and_decide(request);
    if (!decided || decided.value().verdict == RolloutVerdict::MISSING_DATA) return decided;
    answer = std::move(decided).value();
    if (reusing) {
      try {
        keep(request, *answer, version);
      } catch (const ConflictError&) {
        // Another request of the same key kept its decision first: that one is the answer while
        // it holds (ours stays in the chain, answered to no one).
        if (auto other = kept(request, version)) {
          answer = std::move(other);
          answer->reused = true;
        }
      }
    }
  }
  const bool held =
      answer->verdict == RolloutVerdict::PAUSE || answer->verdict == RolloutVerdict::ESCALATE;
  if (held && request.approvable && !answer->released) return hold(request, *std::move(answer));
  return *std::move(answer);
}

Result<RolloutAnswer> RolloutGate::measure_and_decide(const RolloutRequest& request) {
  RolloutAnswer out;
  json context = sources_.context;
  bool complete = true;
  for (const auto& [field, promql] : sources_.fields) {
    auto q = sources_.query(field, promql, request.labels);
    if (!q) return q.error();
    const Measurement m = in_range(field, query_(q.value()));
    out.measurements[field] = {{"query", q.value()},
                               {"query_ms", static_cast<double>(m.elapsed.count()) / 1000}};
    if (m.value) {
      out.measurements[field]["value"] = *m.value;
      context[field] = *m.value;
      if (field == "quality_score" && !context.contains("quality_subscores"))
        context["quality_subscores"] = {*m.value, *m.value, *m.value};
    } else {
      out.measurements[field]["gap"] = m.gap;
      complete = false;
    }
  }
  const json rollout = rollout_json(request);
  if (!complete) {
    out.event_id = new_uuid_v4();
    const json event = {{"rollout", rollout},
                        {"measurements", out.measurements},
                        {"requested_by", request.actor},
                        {"details", request.details}};
    if (!service_.record_and_wait(
            {NewEntry{"rollout.no_data", out.event_id, canonical_json(event), {}}}))
      return Error(errors::kRolloutStore, "", "the missing measurement could not be recorded");
    return out;
  }
  const std::string& ns = request.labels.at("namespace");
  const std::string& name = request.labels.at("name");
  const std::string& revision = request.labels.at("revision");
  context["agent_id"] = std::string(to_string(request.controller)) + "/" + ns + "/" + name;
  context["session_id"] = revision;
  context["proposal_summary"] = std::string(to_string(request.controller)) + " " + request.hook +
                                ": " + ns + "/" + name + " at revision " + revision;
  if (!context.contains("metadata")) context["metadata"] = json::object();
  context["metadata"]["rollout"] = rollout;
  ContextParser parser(service_.config());
  auto evaluated = service_.evaluate(context.dump(), parser);
  if (!evaluated) return evaluated.error();
  const PCWDecision& d = evaluated.value().decision;
  out.verdict = verdict_of(d.status);
  out.decision_id = d.decision_id;
  out.decision = decision_details(d, true);
  const json record = {{"rollout", rollout},
                       {"decision_id", d.decision_id},
                       {"status", to_string(d.status)},
                       {"measurements", out.measurements},
                       {"requested_by", request.actor},
                       {"details", request.details}};
  if (!service_.record_and_wait(
          {evaluated.value().entry(),
           NewEntry{"rollout.gate", d.decision_id, canonical_json(record), {}}}))
    return Error(errors::kRolloutStore, "",
                 "the decision could not be recorded; the gate stays shut");
  return out;
}

std::optional<RolloutAnswer> RolloutGate::kept(const RolloutRequest& request, int64_t& version) {
  std::optional<StoredObject> o;
  {
    std::lock_guard lock(store_lock_);
    o = store_.load_object(kObjectType, object_id(request));
  }
  if (!o) return std::nullopt;
  version = o->version;  // a new decision replaces it
  const json s = json::parse(o->state);
  RolloutAnswer a;
  a.verdict = value_in<kRolloutVerdictNames>(s.at("verdict").get<std::string>())
                  .value_or(RolloutVerdict::HALT);
  a.decision_id = s.at("decision_id");
  a.decision = s.at("decision");
  a.measurements = s.at("measurements");
  a.released = !s.at("released_by").is_null();
  const bool expired =
      s.at("decided_at_ms").get<int64_t>() + request.window.count() * 1000 <= now_ms();
  switch (request.reuse) {
    case RolloutRequest::Reuse::kNever:
      return std::nullopt;
    case RolloutRequest::Reuse::kWithinWindow:
      return expired ? std::nullopt : std::optional(a);
    case RolloutRequest::Reuse::kWhileHeld:
      // A hold waits for a person; a HALT is measured again after the window, so that one bad
      // minute does not shut the gate on that revision for good.
      if (a.verdict == RolloutVerdict::PROCEED || a.released) return std::nullopt;
      if (a.verdict == RolloutVerdict::HALT && expired) return std::nullopt;
      return a;
  }
  return std::nullopt;
}

void RolloutGate::keep(const RolloutRequest& request, const RolloutAnswer& answer,
                       int64_t version) {
  std::lock_guard lock(store_lock_);
  store_.save_object(kObjectType, object_id(request),
                     canonical_json(answer_state(answer, now_ms())), version);
}

Result<RolloutAnswer> RolloutGate::hold(const RolloutRequest& request, RolloutAnswer answer) {
  if (!approvals_) return answer;
  json action = rollout_json(request);
  action["decision_id"] = answer.decision_id;
  action["config_hash"] = config_hash_;
  const std::string digest = action_digest(action);
  action["decision"] = answer.decision;
  const ApprovalRequest ask{
      "rollout",
      digest,
      request.actor,
      "",
      answer.verdict == RolloutVerdict::ESCALATE ? PCWStatus::ESCALATE : PCWStatus::PAUSE,
      answer.decision_id,
      std::move(action)};
  auto step = approvals_->hold(ask);
  if (!step) return step.error();
  answer.approval = step.value().approval;
  if (!step.value().released) return answer;
  answer.released = true;
  // The kept decision records its release: the key's next question is a new one.
  try {
    std::lock_guard lock(store_lock_);
    if (auto o = store_.load_object(kObjectType, object_id(request))) {
      json s = json::parse(o->state);
      s["released_by"] = answer.approval->id;
      store_.save_object(kObjectType, object_id(request), canonical_json(s), o->version);
    }
  } catch (const std::exception& e) {
    return Error(errors::kRolloutStore, "",
                 std::string("the approval was consumed but could not be kept: ") + e.what());
  }
  return answer;
}

Result<std::string> RolloutGate::record_event(const RolloutRequest& request) try {
  if (auto e = check_labels(request, false)) return *e;
  const std::string id = new_uuid_v4();
  const json event = {{"rollout", rollout_json(request)},
                      {"requested_by", request.actor},
                      {"details", request.details}};
  if (!service_.record_and_wait({NewEntry{"rollout.event", id, canonical_json(event), {}}}))
    return Error(errors::kRolloutStore, "", "the event could not be recorded");
  return id;
} catch (const std::exception& e) {
  return Error(errors::kRolloutStore, "",
               std::string("the event could not be recorded: ") + e.what());
}

}  // namespace aegis
