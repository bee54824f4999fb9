// The MCP tools (docs/interfaces.md#mcp): their table, input schemas and handlers.
#include "mcp_tools.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aegis/core/counterfactual.h"
#include "aegis/core/decide.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/kek/kek.h"
#include "aegis/server/errors.h"
#include "aegis/server/mcp.h"
#include "aegis/service/what_if.h"
#include "embedded.h"

namespace aegis {
namespace {

using nlohmann::json;

json tool_result(const std::string& text, json structured, bool is_error = false) {
  json r = {{"content", json::array({{{"type", "text"}, {"text", text}}})},
            {"structuredContent", std::move(structured)}};
  if (is_error) r["isError"] = true;
  return r;
}

// A number in [0, 1] (the arguments of aegis_quick_risk_check).
json unit_number(const char* description = nullptr) {
  json n = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
  if (description) n["description"] = description;
  return n;
}

// aegis_list_decisions' arguments: the filters of GET /v1/decisions.
const json& list_decisions_schema() {
  static const json schema = {
      {"type", "object"},
      {"properties",
       {{"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
        {"cursor", {{"type", "string"}, {"description", "next_cursor of the previous page"}}},
        {"order", {{"enum", {"desc", "asc"}}, {"description", "desc (default): newest first"}}},
        {"status", {{"enum", names_of<kStatusNames>()}}},
        {"agent_id", {{"type", "string"}, {"minLength", 1}, {"maxLength", 256}}},
        {"failing_gate", {{"enum", kFailingGateNames}}},
        {"since", {{"type", "string"}, {"description", "RFC 3339 UTC time: at or after"}}},
        {"until", {{"type", "string"}, {"description", "RFC 3339 UTC time: before"}}}}},
      {"additionalProperties", false}};
  return schema;
}

// The context's fields as an input schema: schema/context.schema.json's properties (the one
// place they and their descriptions are written, docs/gates.md#what-each-gate-rewards) with its
// $refs inlined, and the request fields of POST /v1/evaluate from schema/openapi.json.
json context_input_schema() {
  const json schema = json::parse(detail::embedded_file("context.schema.json"));
  const json openapi = json::parse(detail::embedded_file("openapi.json"));
  std::function<json(const json&)> inline_refs = [&](const json& j) -> json {
    if (j.is_object()) {
      // A $ref's target, with the keywords beside it (description, default) kept.
      json out =
          j.contains("$ref")
              ? inline_refs(schema.at(json::json_pointer(j["$ref"].get<std::string>().substr(1))))
              : json::object();
      for (const auto& [k, v] : j.items())
        if (k != "$ref") out[k] = inline_refs(v);
      return out;
    }
    if (j.is_array()) {
      json out = json::array();
      for (const auto& v : j) out.push_back(inline_refs(v));
      return out;
    }
    return j;
  };
  json props = inline_refs(schema["properties"]);
  const json& request = openapi["components"]["schemas"]["EvaluateRequest"]["properties"];
  for (const char* field : {"shadow", "drift_baseline_data"}) props[field] = request.at(field);
  return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

json no_arguments() {
  return {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}};
}

json what_if_schema() {
  const json context = context_input_schema();
  return {{"type", "object"},
          {"properties",
           {{"context", context},
            {"changes", {{"type", "object"}, {"description", "JSON merge patch of the context"}}},
            {"record", {{"type", "boolean"}, {"description", "Record the changed decision"}}}}},
          {"required", {"context", "changes"}},
          {"additionalProperties", false}};
}

json quick_risk_check_schema() {
  return {{"type", "object"},
          {"properties",
           {{"agent_id", {{"type", "string"}}},
            {"action_description", {{"type", "string"}}},
            {"risk_score", unit_number("Estimated risk, 0-1")},
            {"threshold", unit_number("Default 0.5")}}},
          {"required", {"action_description", "risk_score"}},
          {"additionalProperties", false}};
}

json scoring_guide_schema() {
  return {
      {"type", "object"},
      {"properties",
       {{"domain",
         {{"type", "string"}, {"enum", {"trading", "cicd", "moderation", "agents", "generic"}}}}}},
      {"additionalProperties", false}};
}

json list_decisions_input_schema() { return list_decisions_schema(); }

json get_decision_schema() {
  return {{"type", "object"},
          {"properties", {{"decision_id", {{"type", "string"}}}}},
          {"required", {"decision_id"}},
          {"additionalProperties", false}};
}

}  // namespace

json tool_error(const Error& e) { return tool_result(e.message, error_to_json(e), true); }

// The tools' handlers: members of a friend, so the table below can name them.
struct McpTools {
  static json evaluate_proposal(McpServer& s, const json& args);
  static json what_if(McpServer& s, const json& args);
  static json quick_risk_check(McpServer& s, const json& args);
  static json check_thresholds(McpServer& s, const json& args);
  static json get_scoring_guide(McpServer& s, const json& args);
  static json crypto_status(McpServer& s, const json& args);
  static json list_decisions(McpServer& s, const json& args);
  static json get_decision(McpServer& s, const json& args);
};

namespace {

// The tool table (McpTool): tools/list, the permission check and tools/call all read it.
constexpr McpTool kTools[] = {
    {"aegis_evaluate_proposal", "decide",
     "Decide whether a proposed change should go ahead: PROCEED, PAUSE, HALT or ESCALATE, with "
     "the gates, rationale and next steps.",
     context_input_schema, McpTools::evaluate_proposal},
    {"aegis_what_if", "decide",
     "What would the decision be if the context changed? Give the context and the changes (a "
     "JSON merge patch: nested utility fields merge, null removes a field); returns the changed "
     "decision and how it differs. Nothing is recorded unless record is true.",
     what_if_schema, McpTools::what_if},
    {"aegis_quick_risk_check", "decide",
     "Fast check: is risk_score below threshold (no Bayesian evaluation)?", quick_risk_check_schema,
     McpTools::quick_risk_check},
    {"aegis_check_thresholds", "",
     "The gate thresholds and parameters in force, with the config hash.", no_arguments,
     McpTools::check_thresholds},
    {"aegis_get_scoring_guide", "", "How to turn a domain's signals into AEGIS scores.",
     scoring_guide_schema, McpTools::get_scoring_guide},
    {"aegis_crypto_status", "", "Which signature and key-management features this server has.",
     no_arguments, McpTools::crypto_status},
    {"aegis_list_decisions", "read_decisions",
     "Decisions, newest first (order: asc for the oldest first), filtered as GET /v1/decisions "
     "is, with a cursor for the next page.",
     list_decisions_input_schema, McpTools::list_decisions},
    {"aegis_get_decision", "read_decisions", "One stored decision by its id.", get_decision_schema,
     McpTools::get_decision},
};

// Each domain's scoring guide (aegis_get_scoring_guide): how its signals become the scores.
const json& scoring_guides() {
  static const json guides = {
      {"generic",
       "risk_*: probability (0-1) that the change causes harm, before and after it; "
       "novelty_score: how new the proposal is here, 0 routine ... 1 never done before; "
       "complexity_score: 1 trivial ... 0 "
       "sprawling (below 0.5 always halts); quality_score: evidence quality (tests, review); "
       "estimated_impact: blast radius; reversible: can it be undone quickly?"},
      {"cicd",
       "risk_baseline: recent change-failure rate of this service; risk_proposed: the same "
       "adjusted for this diff (failing checks, touched critical paths); complexity_score: "
       "1 - weighted share of files/modules/lines/new dependencies changed (the CI preset); "
       "novelty_score: how new this kind of change is to the service (a routine dependency "
       "bump low, a first migration of its kind high); "
       "quality_score: coverage and review; impact high for production, critical for data "
       "migrations; reversible false for schema drops."},
      {"trading",
       "risk_*: probability of a loss beyond limits, from VaR backtests; profit_*: expected P&L "
       "before and after; novelty_score: distance of the strategy from traded ones; impact by "
       "notional exposure; reversible false when positions cannot be unwound."},
      {"moderation",
       "risk_*: expected rate of harmful content passing, before and after a policy change; "
       "novelty_score: new content categories; quality_score: labelled-sample precision; impact "
       "by audience size."},
      {"agents",
       "risk_proposed: probability the tool call has an unwanted side effect; novelty_score: "
       "first use of this tool or argument pattern; complexity_score: 1 single read-only call "
       "... 0 chained writes; reversible false for payments, deletions and messages sent; "
       "requires_human_approval for anything touching money or credentials."}};
  return guides;
}

}  // namespace

const McpTool* find_tool(std::string_view name) {
  for (const McpTool& tool : kTools)
    if (tool.name == name) return &tool;
  return nullptr;
}

const json& tool_definitions() {
  static const json tools = [] {
    json list = json::array();
    for (const McpTool& tool : kTools)
      list.push_back({{"name", tool.name},
                      {"description", tool.description},
                      {"inputSchema", tool.input_schema()}});
    return list;
  }();
  return tools;
}

json McpTools::evaluate_proposal(McpServer& s, const json& args) {
  ContextParser parser =
      s.service_->parser({.cli_aliases = false, .cli_defaults = true, .request_fields = true});
  auto made = s.service_->evaluate(args.dump(), parser);
  if (!made) return tool_error(made.error());
  const Evaluation& e = made.value();
  if (auto failed = s.keep(e)) return tool_error(*failed);
  return tool_result(e.decision.rationale, json::parse(e.json));
}

json McpTools::what_if(McpServer& s, const json& args) {
  auto request = what_if_request(args);
  if (!request) return tool_error(request.error());
  ContextParser parser =
      s.service_->parser({.cli_aliases = false, .cli_defaults = true, .request_fields = true});
  auto answer =
      aegis::what_if(*s.service_, request.value().context, request.value().changes, parser);
  if (!answer) return tool_error(answer.error());
  const WhatIf& w = answer.value();
  if (request.value().record) {
    if (auto failed = s.keep(w.changed)) return tool_error(*failed);
  }
  return tool_result(std::string(to_string(w.original.decision.status)) + " -> " +
                         std::string(to_string(w.changed.decision.status)) + ": " +
                         w.changed.decision.rationale,
                     json::parse(w.to_json(request.value().record)));
}

json McpTools::quick_risk_check(McpServer& /*server*/, const json& args) {
  const StrictObject a(args, {"agent_id", "action_description", "risk_score", "threshold"},
                       errors::kMcpInvalid);
  const auto score = a.number("risk_score");
  const auto action = a.string("action_description");
  if (!score || !action)
    return tool_error(Error(errors::kMcpInvalid, score ? "action_description" : "risk_score",
                            "risk_score (number) and action_description (string) "
                            "are required"));
  const double threshold = a.number("threshold").value_or(0.5);
  const bool safe = aegis::quick_risk_check(a.string("agent_id").value_or("mcp-agent"), *action,
                                            *score, threshold);
  return tool_result(safe ? "safe: risk below threshold" : "not safe: risk at or above threshold",
                     {{"safe", safe}, {"risk_score", *score}, {"threshold", threshold}});
}

json McpTools::check_thresholds(McpServer& s, const json& args) {
  const StrictObject a(args, {}, errors::kMcpInvalid);
  return tool_result("parameters in force (config " + s.config_.config_hash().substr(0, 12) + ")",
                     {{"parameters", config_to_json(s.config_.parameters())},
                      {"config_hash", s.config_.config_hash()}});
}

json McpTools::get_scoring_guide(McpServer& s, const json& args) {
  const StrictObject a(args, {"domain"}, errors::kMcpInvalid);
  const std::string domain = a.string("domain").value_or("generic");
  if (!scoring_guides().contains(domain))
    return tool_error(Error(errors::kMcpInvalid, "domain",
                            "domain must be trading, cicd, moderation, agents or "
                            "generic"));
  const std::string guide = scoring_guides()[domain].get<std::string>() + " " +
                            which_way_each_gate_passes(s.config_.create_gate_evaluator());
  return tool_result(guide, {{"domain", domain}, {"guide", guide}});
}

json McpTools::crypto_status(McpServer& /*server*/, const json& args) {
  const StrictObject a(args, {}, errors::kMcpInvalid);
  json status = kek_status_json();
  status["override_signatures"] = "BIP-322 simple, P2TR key path (BIP-340 Schnorr, secp256k1)";
  status["two_key_override"] = true;
  status["hybrid_kem"] = "X-Wing (draft-connolly-cfrg-xwing-kem-10: ML-KEM-768 + X25519)";
  return tool_result(status.dump(), status);
}

json McpTools::list_decisions(McpServer& s, const json& args) {
  const StrictObject a(
      args, {"limit", "cursor", "order", "status", "agent_id", "failing_gate", "since", "until"},
      errors::kMcpInvalid);
  const int64_t limit = a.integer("limit").value_or(20);
  if (limit < 1 || limit > 100)
    return tool_error(Error(errors::kMcpInvalid, "limit", "limit must be in [1, 100]"));
  Store::DecisionQuery q{.limit = static_cast<size_t>(limit)};
  if (const auto c = a.string("cursor")) {
    bool ok = !c->empty() && c->size() <= 18;
    for (char ch : *c) ok = ok && ch >= '0' && ch <= '9';
    if (!ok) return tool_error(Error(errors::kMcpInvalid, "cursor", "cursor is not one we gave"));
    q.cursor = std::stoll(*c);
  }
  const auto order = a.string("order").value_or("desc");
  if (order != "asc" && order != "desc")
    return tool_error(Error(errors::kMcpInvalid, "order", "order must be asc or desc"));
  q.newest_first = order == "desc";
  // The schema's enums (tool_definitions) are the names each filter takes.
  const json& schema = list_decisions_schema()["properties"];
  for (const auto& [field, into] :
       {std::pair<const char*, std::optional<std::string>*>{"status", &q.status},
        {"failing_gate", &q.failing_gate},
        {"agent_id", &q.agent_id}}) {
    auto v = a.string(field);
    if (!v) continue;
    const json& allowed = schema[field].value("enum", json::array());
    if ((!allowed.empty() && std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) ||
        v->empty() || v->size() > kMaxIdLength || v->find('\0') != std::string::npos)
      return tool_error(Error(errors::kMcpInvalid, field,
                              std::string(field) + " must be " +
                                  (allowed.empty() ? std::string("1 to 256 bytes without U+0000")
                                                   : "one of " + allowed.dump())));
    *into = std::move(*v);
  }
  for (const auto& [field, into] :
       {std::pair<const char*, std::optional<std::string>*>{"since", &q.since},
        {"until", &q.until}}) {
    const auto v = a.string(field);
    if (!v) continue;
    *into = Store::DecisionQuery::time_bound(*v);
    if (!*into)
      return tool_error(Error(errors::kMcpInvalid, field,
                              std::string(field) + " must be an RFC 3339 UTC time such as "
                                                   "2026-12-02T21:08:01.123Z (or its date)"));
  }
  std::vector<AuditEntry> found;
  if (s.store_) {
    std::lock_guard<std::mutex> g(*s.store_lock_);
    found = s.store_->find_decisions(q);
  } else {  // the same selection over the decisions kept in memory
    const auto take = [&](const AuditEntry& e) {
      if (found.size() < q.limit && q.matches(e)) found.push_back(e);
    };
    if (q.newest_first)
      std::for_each(s.memory_.rbegin(), s.memory_.rend(), take);
    else
      std::for_each(s.memory_.begin(), s.memory_.end(), take);
  }
  json list = json::array();
  for (const auto& e : found) list.push_back(json::parse(e.body));
  json out = {{"decisions", list}};
  out["next_cursor"] =
      found.size() == q.limit ? json(std::to_string(found.back().seq)) : json(nullptr);
  return tool_result(std::to_string(list.size()) + " decisions", out);
}

json McpTools::get_decision(McpServer& s, const json& args) {
  const StrictObject a(args, {"decision_id"}, errors::kMcpInvalid);
  const auto id = a.string("decision_id");
  if (!id) return tool_error(Error(errors::kMcpInvalid, "decision_id", "decision_id is required"));
  std::optional<std::string> found;
  if (s.store_) {
    std::lock_guard<std::mutex> g(*s.store_lock_);
    found = s.store_->get_decision(*id);
  } else {
    for (const auto& e : s.memory_)
      if (e.id == *id) found = e.body;
  }
  if (!found)
    return tool_error(
        Error{errors::kMcpNotFound, "decision_id", "no decision " + id->substr(0, 64)});
  return tool_result(*found, json::parse(*found));
}

}  // namespace aegis
