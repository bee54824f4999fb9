// The rollout gates (docs/rollouts.md): Argo Rollouts' web metric provider and Flagger's
// webhooks ask through one RolloutGate. Argo gets 200 with a top-level `decision` for every
// answer, so that its AnalysisTemplate's conditions make PROCEED Successful, HALT Failed and the
// rest Inconclusive; Flagger reads only the status code, from the hook table below. They run on
// the worker pool: each question may wait on Prometheus.
#include <algorithm>
#include <cctype>

#include "aegis/core/json.h"
#include "aegis/core/spelling.h"
#include "aegis/core/strict_object.h"
#include "aegis/workflow/errors.h"
#include "routes.h"

namespace aegis::server {
namespace {

using http::Access;
using http::Caller;
using http::Reply;
using http::Request;
using http::Runs;
using nlohmann::json;

// An answer's text: a byte that is not UTF-8 (none should reach here) is replaced, never thrown
// on the worker thread.
std::string text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<RolloutGate*> configured(const RolloutRoutes& r) {
  if (!r.gate)
    return Error(errors::kRolloutNotConfigured, "sources",
                 "the server's config has no sources: section, so no rollout can be measured");
  return r.gate;
}

// The arguments Argo Rollouts' template passes.
const std::initializer_list<std::string_view> kArgoArgs = {"namespace", "rollout", "revision",
                                                           "stable_revision", "key"};

// Argo Rollouts: the template's {{args.…}} in the query, or in a JSON body (jsonBody), not both.
Result<RolloutRequest> argo_request(const Request& r, const Caller& c) {
  if (auto e = check_query(r, kArgoArgs)) return *e;
  std::map<std::string, std::string, std::less<>> args(r.query.begin(), r.query.end());
  if (r.method == "POST" && !r.body.empty()) {
    auto body = read_json(r.body);
    if (!body) return body.error();
    try {
      const StrictObject in(body.value(), kArgoArgs, errors::kRolloutInvalid);
      for (std::string_view name : kArgoArgs)
        if (auto v = in.string(name, 256)) {
          if (args.contains(name))
            return Error(errors::kRolloutInvalid, std::string(name),
                         std::string(name) + " is given in both the query and the body");
          args[std::string(name)] = *v;
        }
    } catch (const AegisError& e) {
      return e.error();
    }
  }
  RolloutRequest out;
  out.controller = RolloutController::ARGO_ROLLOUTS;
  out.hook = "analysis";
  out.actor = c.actor_id;
  for (const auto& [name, value] : args) {
    if (name == "key") continue;
    out.labels[name == "rollout" ? "name" : name] = value;
  }
  if (!out.labels.contains("name"))
    return Error(errors::kRolloutInvalid, "rollout", "rollout (the Rollout's name) is required");
  if (const auto key = args.find("key"); key != args.end()) {
    const std::string& k = key->second;
    if (k.empty() || k.size() > 128 || !std::all_of(k.begin(), k.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' ||
                 ch == ':' || ch == '-';
        }))
      return Error(errors::kRolloutInvalid, "key", "key must be 1 to 128 of A-Za-z0-9._:-");
    out.reuse = RolloutRequest::Reuse::kWithinWindow;
    out.key = k;
  }
  return out;
}

// Flagger's webhooks: what each answer means to Flagger, as status codes (<= 202 is success).
// The table of docs/rollouts.md#flagger; a test asks every cell.
struct FlaggerHook {
  std::string_view name;
  int proceed, held, halt, no_data;  // held: PAUSE and ESCALATE
  // One decision per (canary, checksum, hook), answered again while it holds — while Flagger
  // polls; otherwise each call is a step of the analysis, measured and decided anew.
  bool kept;
  bool approvable;  // an approval opens a held answer (kept hooks only: it names the decision)
};
constexpr FlaggerHook kFlaggerHooks[] = {
    {"confirm-rollout", 200, 403, 403, 503, true, true},
    {"pre-rollout", 200, 403, 403, 503, true, true},
    {"rollout", 200, 403, 403, 503, false, false},
    {"confirm-traffic-increase", 200, 403, 403, 503, true, true},
    {"confirm-promotion", 200, 403, 403, 503, true, true},
    {"post-rollout", 200, 403, 403, 503, false, false},
    {"rollback", 403, 403, 200, 403, false, false},
    {"event", 200, 200, 200, 200, false, false},  // recorded, never decided
};

int flagger_status(const FlaggerHook& h, const RolloutAnswer& a) {
  switch (a.verdict) {
    case RolloutVerdict::PROCEED:
      return h.proceed;
    case RolloutVerdict::PAUSE:
    case RolloutVerdict::ESCALATE:
      return a.released ? h.proceed : h.held;
    case RolloutVerdict::HALT:
      return h.halt;
    case RolloutVerdict::MISSING_DATA:
      return h.no_data;
  }
  return h.held;
}

// Flagger's payload: {name, namespace, phase, checksum, metadata (strings)}.
Result<RolloutRequest> flagger_request(const Request& r, const Caller& c, const FlaggerHook& h) {
  if (auto e = check_query(r, {})) return *e;
  auto body = read_json(r.body);
  if (!body) return body.error();
  RolloutRequest out;
  out.controller = RolloutController::FLAGGER;
  out.hook = std::string(h.name);
  out.actor = c.actor_id;
  out.reuse = h.kept ? RolloutRequest::Reuse::kWhileHeld : RolloutRequest::Reuse::kNever;
  out.approvable = h.approvable;
  try {
    const StrictObject in(body.value(), {"name", "namespace", "phase", "checksum", "metadata"},
                          errors::kRolloutInvalid);
    for (auto [field, label] : {std::pair{"name", "name"}, std::pair{"namespace", "namespace"},
                                std::pair{"checksum", "revision"}})
      if (auto v = in.string(field, 256); v && !v->empty()) out.labels[label] = *v;
    if (h.name != "event" && !out.labels.contains("revision"))
      return Error(errors::kRolloutInvalid, "checksum",
                   "checksum (the canary's, which Flagger sends) is required");
    out.details["phase"] = in.string("phase", 64).value_or("");
    json metadata = json::object();
    if (const json* m = in.object("metadata"))
      for (auto it = m->begin(); it != m->end(); ++it) {
        if (!it->is_string())
          return Error(errors::kRolloutInvalid, "metadata." + it.key(),
                       "metadata." + it.key() + " must be a string, as Flagger sends it");
        metadata[it.key()] = *it;
      }
    out.details["metadata"] = std::move(metadata);
  } catch (const AegisError& e) {
    return e.error();
  }
  return out;
}

void flagger(const RolloutRoutes& routes, Request& r, const Caller& c, Reply reply) {
  auto fail = [&reply](const Error& e) { reply(error_response(e)); };
  const std::string& name = r.param("hook");
  const FlaggerHook* hook = nullptr;
  for (const auto& h : kFlaggerHooks)
    if (h.name == name) hook = &h;
  if (!hook) {
    std::vector<std::string> known;
    for (const auto& h : kFlaggerHooks) known.emplace_back(h.name);
    return fail(Error(errors::kRolloutUnknownHook, "hook",
                      "'" + name + "' is not a Flagger webhook" + did_you_mean(name, known)));
  }
  auto gate = configured(routes);
  if (!gate) return fail(gate.error());
  auto request = flagger_request(r, c, *hook);
  if (!request) return fail(request.error());
  if (hook->name == "event") {
    auto id = gate.value()->record_event(request.value());
    if (!id) return fail(id.error());
    return reply(json_response(200, text({{"event_id", id.value()}, {"recorded", true}})));
  }
  request.value().window = gate.value()->sources().key_window;
  auto answer = gate.value()->decide(request.value());
  if (!answer) return fail(answer.error());
  const int status = flagger_status(*hook, answer.value());
  json out = answer.value().to_json(request.value());
  out["open"] = status <= 202;
  reply(json_response(status, text(out)));
}

}  // namespace

void add_rollout_routes(http::Router& router, const RolloutRoutes& routes) {
  const auto argo = [routes](Request& r, const Caller& c, Reply reply) {
    auto gate = configured(routes);
    if (!gate) return reply(error_response(gate.error()));
    auto request = argo_request(r, c);
    if (!request) return reply(error_response(request.error()));
    request.value().window = gate.value()->sources().key_window;
    auto answer = gate.value()->decide(request.value());
    if (!answer) return reply(error_response(answer.error()));
    reply(json_response(200, text(answer.value().to_json(request.value()))));
  };
  for (const char* method : {"GET", "POST"})
    router.add({method, "/v1/integrations/argo-rollouts", Access::kPermission, "gate_rollout",
                Runs::kOnWorker, argo});
  router.add({"POST", "/v1/integrations/flagger/{hook}", Access::kPermission, "gate_rollout",
              Runs::kOnWorker, [routes](Request& r, const Caller& c, Reply reply) {
                flagger(routes, r, c, std::move(reply));
              }});
}

}  // namespace aegis::server
