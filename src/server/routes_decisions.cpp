// POST /v1/evaluate (and /evaluate), /v1/evaluate/batch, /v1/evaluate/what-if, /v1/risk-check,
// /v1/afa/decide, the stored decisions, their attestations and the audit checkpoint. Deciding
// runs on the I/O thread (microseconds, no lock); the reply leaves when the decision log has made
// the decisions durable.
#include <nlohmann/json.hpp>
#include <span>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/server/errors.h"
#include "aegis/service/what_if.h"
#include "aegis/store/attestation.h"
#include "aegis/workflow/afa.h"
#include "routes.h"

namespace aegis::server {
namespace {

using nlohmann::json;

// The parser of this thread for request bodies (its buffers stay allocated).
ContextParser& request_parser(const DecisionService& service) {
  thread_local const DecisionService* owner = nullptr;
  thread_local std::optional<ContextParser> parser;
  if (owner != &service || !parser) {
    parser.emplace(
        service.parser({.cli_aliases = true, .cli_defaults = true, .request_fields = true}));
    owner = &service;
  }
  return *parser;
}

Error not_stored(const char* what) {
  return Error{errors::kServerStore, "",
               std::string(what) + " could not be stored; nothing was returned"};
}

void evaluate(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  auto made = d.service.evaluate(req.body, request_parser(d.service));
  if (!made) return reply(error_response(made.error()));
  NewEntry entry = made.value().entry();
  auto body = std::make_shared<std::string>(std::move(made.value().json));
  d.service.record({std::move(entry)}, [body, reply = std::move(reply)](bool durable) {
    reply(durable ? json_response(200, std::move(*body))
                  : error_response(not_stored("the decision")));
  });
}

void evaluate_batch(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  // The items' texts, each read on its own (an item's error stays in its place).
  std::vector<std::string_view> items;
  const std::string_view body = req.body;
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') {
    auto split = split_json_array(body);
    if (!split) return reply(error_response(split.error()));
    items = std::move(split).value();
  } else {
    for (size_t start = 0; start < body.size();) {
      size_t nl = body.find('\n', start);
      if (nl == std::string_view::npos) nl = body.size();
      const std::string_view line = body.substr(start, nl - start);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos) items.push_back(line);
      start = nl + 1;
    }
  }
  const size_t limit = d.settings.max_batch_items;
  if (items.size() > limit)
    return reply(error_response(
        Error{errors::kServerTooManyItems, "server.max_batch_items",
              "the batch holds " + std::to_string(items.size()) +
                  " contexts, over server.max_batch_items = " + std::to_string(limit)}));
  ContextParser& parser = request_parser(d.service);
  auto out = std::make_shared<std::string>("[");
  std::vector<NewEntry> entries;
  entries.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) *out += ',';
    auto made = d.service.evaluate(items[i], parser);
    if (!made) {
      json err = error_to_json(made.error());
      err["index"] = i;
      *out += err.dump(-1, ' ', false, json::error_handler_t::replace);
      continue;
    }
    *out += made.value().json;
    entries.push_back(made.value().entry());
  }
  *out += ']';
  d.service.record(std::move(entries), [out, reply = std::move(reply)](bool durable) {
    reply(durable ? json_response(200, std::move(*out))
                  : error_response(not_stored("the decisions")));
  });
}

// {"context", "changes", "record"}: both decisions hypothetical; the changed one recorded only
// when asked, and then answered once durable.
void evaluate_what_if(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  auto body = read_json(req.body, {.max_depth = kMaxJsonDepth + 1});
  if (!body) return reply(error_response(body.error()));
  auto request = what_if_request(body.value());
  if (!request) return reply(error_response(request.error()));
  auto answer = what_if(d.service, request.value().context, request.value().changes,
                        request_parser(d.service));
  if (!answer) return reply(error_response(answer.error()));
  if (!request.value().record) return reply(json_response(200, answer.value().to_json(false)));
  auto out = std::make_shared<std::string>(answer.value().to_json(true));
  d.service.record({answer.value().changed.entry()}, [out, reply = std::move(reply)](bool durable) {
    reply(durable ? json_response(200, std::move(*out))
                  : error_response(not_stored("the decision")));
  });
}

void risk_check(http::Request& req, const http::Caller& caller, http::Reply reply) {
  try {
    const json j = parse_json_strict(req.body);
    const StrictObject in(j, {"action_description", "risk_score", "threshold"},
                          errors::kServerInvalid);
    const auto score = in.number("risk_score");
    const auto action = in.string("action_description");
    if (!score || !action)
      in.fail(score ? "action_description" : "risk_score",
              "action_description (string) and risk_score (number) are required");
    const double threshold = in.number("threshold").value_or(0.5);
    const bool safe = quick_risk_check(caller.actor_id, *action, *score, threshold);
    reply(json_response(
        200, json{{"safe", safe}, {"risk_score", *score}, {"threshold", threshold}}.dump()));
  } catch (const AegisError& e) {
    reply(error_response(e.error()));
  }
}

void afa_decide(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  try {
    // The metrics (a context) sit one level inside the request.
    auto request =
        AFABridge::request_from_json(parse_json_strict(req.body, {.max_depth = kMaxJsonDepth + 1}));
    if (!request) return reply(error_response(request.error()));
    const AFABridge bridge(d.service);
    Evaluation made = bridge.decide(request.value());
    auto answer = std::make_shared<std::string>(
        AFABridge::response_to_json(AFABridge::response_of(request.value(), made.decision)).dump());
    d.service.record({made.entry()}, [answer, reply = std::move(reply)](bool durable) {
      reply(durable ? json_response(200, std::move(*answer))
                    : error_response(not_stored("the decision")));
    });
  } catch (const AegisError& e) {
    reply(error_response(e.error()));
  }
}

void list_decisions(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  if (auto e = check_query(req, {"limit", "cursor", "decision_id", "status", "agent_id",
                                 "failing_gate", "since", "until", "order", "upstream", "tool"}))
    return reply(error_response(*e));
  const auto limit = query_integer(req, "limit", 50, 1, 1000);
  if (!limit) return reply(error_response(limit.error()));
  const auto cursor = query_integer(req, "cursor", 0, 0, int64_t{1} << 53);
  if (!cursor) return reply(error_response(cursor.error()));
  Store::DecisionQuery q{.cursor = cursor.value(), .limit = static_cast<size_t>(limit.value())};
  const auto one_of = [&](std::string_view name, std::span<const std::string_view> names,
                          std::optional<std::string>& into) -> std::optional<Error> {
    const std::string* v = query_value(req, name);
    if (!v) return std::nullopt;
    for (std::string_view n : names) {
      if (*v == n) {
        into = *v;
        return std::nullopt;
      }
    }
    return Error(errors::kJsonQuery, std::string(name), "expected one of " + joined(names));
  };
  std::optional<std::string> order;
  static constexpr auto kStatuses = names_of<kStatusNames>();
  static constexpr std::string_view kOrders[] = {"asc", "desc"};
  if (auto e = one_of("status", kStatuses, q.status)) return reply(error_response(*e));
  if (auto e = one_of("failing_gate", kFailingGateNames, q.failing_gate))
    return reply(error_response(*e));
  if (auto e = one_of("order", kOrders, order)) return reply(error_response(*e));
  q.newest_first = order != "asc";  // newest first unless asked otherwise
  for (const auto& [name, into] :
       {std::pair<const char*, std::optional<std::string>*>{"decision_id", &q.decision_id},
        {"agent_id", &q.agent_id},
        {"upstream", &q.upstream},
        {"tool", &q.tool}}) {
    const std::string* v = query_value(req, name);
    if (!v) continue;
    if (v->empty() || v->size() > kMaxIdLength)
      return reply(error_response(Error(errors::kJsonQuery, name, "expected 1 to 256 bytes")));
    if (!is_valid_utf8(*v) || v->find('\0') != std::string::npos)
      return reply(
          error_response(Error(errors::kJsonQuery, name, "expected UTF-8 text without U+0000")));
    *into = *v;
  }
  for (const auto& [name, into] :
       {std::pair<const char*, std::optional<std::string>*>{"since", &q.since},
        {"until", &q.until}}) {
    auto t = query_time(req, name);
    if (!t) return reply(error_response(t.error()));
    if (!t.value().empty()) *into = t.value();
  }

  std::vector<AuditEntry> found;
  try {
    std::lock_guard<std::mutex> g(d.store_lock);
    found = d.store.find_decisions(q);
  } catch (const AegisError& e) {
    return reply(error_response(e.error()));
  }
  // The decisions as stored, byte for byte; beside them, where each is in the chain and the
  // keys kept with it (the console's table and decision view).
  std::string out = "{\"decisions\":[";
  json entries = json::array();
  for (size_t i = 0; i < found.size(); ++i) {
    if (i) out += ',';
    out += found[i].body;
    const DecisionKeys& k = found[i].keys;
    entries.push_back({{"seq", found[i].seq},
                       {"entry_hash", found[i].entry_hash},
                       {"time", found[i].time},
                       {"agent_id", k.agent_id.empty() ? json() : json(k.agent_id)},
                       {"session_id", k.session_id.empty() ? json() : json(k.session_id)}});
  }
  out += "],\"entries\":";
  out += entries.dump(-1, ' ', false, json::error_handler_t::replace);
  out += ",\"next_cursor\":";
  out += found.size() == q.limit ? "\"" + std::to_string(found.back().seq) + "\"" : "null";
  out += '}';
  reply(json_response(200, std::move(out)));
}

void get_decision(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  std::optional<std::string> found;
  try {
    std::lock_guard<std::mutex> g(d.store_lock);
    found = d.store.get_decision(req.param("decision_id"));
  } catch (const AegisError& e) {  // store.integrity: never another decision
    return reply(error_response(e.error()));
  }
  if (!found)
    return reply(error_response(Error{errors::kServerNotFound, "decision_id", "no such decision"}));
  reply(json_response(200, std::move(*found)));
}

// The decision's DSSE envelope, signed with server.attestation_key_file.
void get_attestation(const DecisionRoutes& d, http::Request& req, http::Reply reply) {
  if (!d.attestation_key)
    return reply(error_response(Error{errors::kServerNoAttestationKey, "",
                                      "this server signs no attestations: "
                                      "server.attestation_key_file is not configured"}));
  std::optional<AuditEntry> entry;
  try {
    std::lock_guard<std::mutex> g(d.store_lock);
    entry = d.store.decision_entry(req.param("decision_id"));
  } catch (const AegisError& e) {
    return reply(error_response(e.error()));
  }
  if (!entry)
    return reply(error_response(Error{errors::kServerNotFound, "decision_id", "no such decision"}));
  try {
    reply(json_response(200, attest_decision(*entry, *d.attestation_key)));
  } catch (const AegisError& e) {
    reply(error_response(e.error()));
  }
}

// The latest signed audit checkpoint.
void get_checkpoint(const DecisionRoutes& d, http::Reply reply) {
  std::optional<std::string> latest = d.checkpoints ? d.checkpoints->latest() : std::nullopt;
  if (!latest)
    return reply(error_response(Error{errors::kServerNoAttestationKey, "",
                                      "this server signs no checkpoints: "
                                      "server.attestation_key_file is not configured"}));
  reply(json_response(200, std::move(*latest)));
}

}  // namespace

void add_decision_routes(http::Router& router, const DecisionRoutes& d) {
  using http::Access;
  using http::Runs;
  for (const char* path : {"/v1/evaluate", "/evaluate"}) {
    router.add({"POST", path, Access::kPermission, "decide", Runs::kOnIoThread,
                [d](http::Request& r, const http::Caller&, http::Reply reply) {
                  evaluate(d, r, std::move(reply));
                }});
  }
  router.add({"POST", "/v1/evaluate/batch", Access::kPermission, "decide", Runs::kOnIoThread,
              [d](http::Request& r, const http::Caller&, http::Reply reply) {
                evaluate_batch(d, r, std::move(reply));
              }});
  router.add({"POST", "/v1/evaluate/what-if", Access::kPermission, "decide", Runs::kOnIoThread,
              [d](http::Request& r, const http::Caller&, http::Reply reply) {
                evaluate_what_if(d, r, std::move(reply));
              }});
  router.add(
      {"POST", "/v1/risk-check", Access::kPermission, "decide", Runs::kOnIoThread, risk_check});
  router.add({"POST", "/v1/afa/decide", Access::kPermission, "decide", Runs::kOnIoThread,
              [d](http::Request& r, const http::Caller&, http::Reply reply) {
                afa_decide(d, r, std::move(reply));
              }});
  router.add({"GET", "/v1/decisions", Access::kPermission, "read_decisions", Runs::kOnWorker,
              [d](http::Request& r, const http::Caller&, http::Reply reply) {
                list_decisions(d, r, std::move(reply));
              }});
  router.add({"GET", "/v1/decisions/{decision_id}", Access::kPermission, "read_decisions",
              Runs::kOnWorker, [d](http::Request& r, const http::Caller&, http::Reply reply) {
                get_decision(d, r, std::move(reply));
              }});
  router.add({"GET", "/v1/decisions/{decision_id}/attestation", Access::kPermission,
              "read_decisions", Runs::kOnWorker,
              [d](http::Request& r, const http::Caller&, http::Reply reply) {
                get_attestation(d, r, std::move(reply));
              }});
  router.add({"GET", "/v1/audit/checkpoint", Access::kPermission, "read_decisions",
              Runs::kOnIoThread, [d](http::Request&, const http::Caller&, http::Reply reply) {
                get_checkpoint(d, std::move(reply));
              }});
}

}  // namespace aegis::server
