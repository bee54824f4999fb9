#include "aegis/mcp.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <functional>

#include "aegis/counterfactual.h"
#include "aegis/decide.h"
#include "aegis/errors/core.h"
#include "aegis/errors/server.h"
#include "aegis/json.h"
#include "aegis/kek.h"
#include "aegis/strict_object.h"
#include "aegis/uuid.h"
#include "aegis/version.h"
#include "aegis/what_if.h"
#include "embedded.h"

namespace aegis {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessageBytes = 1 << 20;
constexpr size_t kMemoryDecisions = 1000;

json tool_result(const std::string& text, json structured, bool is_error = false) {
  json r = {{"content", json::array({{{"type", "text"}, {"text", text}}})},
            {"structuredContent", std::move(structured)}};
  if (is_error) r["isError"] = true;
  return r;
}

json tool_error(const Error& e) { return tool_result(e.message, error_to_json(e), true); }

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

// One row per tool: its name, the permission it needs from the caller ("" for static
// information), what it does, its input schema and its handler. tools/list, the permission
// check and tools/call all read this table.
struct McpTool {
  std::string_view name;
  std::string_view permission;
  std::string_view description;
  json (*input_schema)();
  json (*handler)(McpServer&, const json&);
};

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

// The keys each method's params may hold (MCP's `_meta` everywhere); the one that sorts first
// of those it does not, or nullopt. Methods not listed here are answered -32601 anyway.
std::optional<std::string> unknown_param(const std::string& method, const json& params) {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kKeys = {
      {"initialize", {"protocolVersion", "capabilities", "clientInfo", "_meta"}},
      {"ping", {"_meta"}},
      {"tools/list", {"cursor", "_meta"}},
      {"tools/call", {"name", "arguments", "_meta"}}};
  for (const auto& [name, keys] : kKeys) {
    if (name != method) continue;
    std::optional<std::string> unknown;
    for (const auto& [key, value] : params.items())
      if (std::find(keys.begin(), keys.end(), key) == keys.end() && (!unknown || key < *unknown))
        unknown = key;
    return unknown;
  }
  return std::nullopt;
}

json rpc_error(const json& id, int code, const std::string& message, json data = nullptr) {
  json e = {{"code", code}, {"message", message}};
  if (!data.is_null()) e["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

// -32700 for JSON the strict reader refused, with its error in `data` (the field relative to
// the tool's arguments when it lies inside them).
json parse_error_reply(const Error& e) {
  json data = error_to_json(e)["error"];
  if (data.contains("field")) {
    std::string field = data["field"];
    static constexpr std::string_view kArgs = "params.arguments.";
    if (const size_t at = field.find(kArgs); at != std::string::npos)
      field.erase(0, at + kArgs.size());
    data["field"] = field;
  }
  const int code = kind_info(e.kind).jsonrpc_code;
  return rpc_error(nullptr, code, code == -32700 ? "parse error: " + e.message : e.message,
                   std::move(data));
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

Result<McpSettings> read_mcp_section(const YAML::Node& mcp, const std::string& source) {
  McpSettings s;
  auto fail = [&](const std::string& key, const std::string& why) {
    return Error(errors::kMcpConfig, key, source + ": " + key + " " + why);
  };
  try {
    if (!mcp || mcp.IsNull()) return s;
    if (!mcp.IsMap()) return fail("mcp", "must be a mapping");
    for (const auto& kv : mcp) {
      const std::string key = kv.first.Scalar();
      if (key != "actor_id")
        return unknown_config_key(source, "mcp." + key, "mcp", key, {"actor_id"});
      if (!kv.second.IsScalar() || kv.second.Scalar().empty())
        return fail("mcp.actor_id", "must be a non-empty string");
      s.actor_id = kv.second.Scalar();
    }
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return s;
}

McpServer::McpServer(const AegisConfig& config, Store* store, Clock clock, McpCaller caller)
    : owned_(std::make_unique<StoreDecisionService>(config, store)),
      service_(&owned_->service),
      config_(service_->config()),
      store_(store),
      store_lock_(&owned_->store_lock),
      clock_(std::move(clock)),
      caller_(std::move(caller)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

McpServer::McpServer(const DecisionService& service, Store& store, std::mutex& store_lock,
                     Clock clock)
    : service_(&service),
      config_(service.config()),
      store_(&store),
      store_lock_(&store_lock),
      clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

McpServer::~McpServer() = default;

const std::vector<std::string>& McpServer::supported_protocol_versions() {
  static const std::vector<std::string> v = {"2024-11-05", "2025-03-26", "2025-06-18",
                                             "2025-11-25"};
  return v;
}

bool McpServer::allow_call() {
  const int64_t limit = config_.parameters().mcp_rate_limit;
  if (limit == 0) return true;
  const auto now = clock_();
  while (!recent_calls_.empty() && now - recent_calls_.front() >= std::chrono::minutes(1))
    recent_calls_.pop_front();
  if (static_cast<int64_t>(recent_calls_.size()) >= limit) return false;
  recent_calls_.push_back(now);
  return true;
}

std::optional<std::string> McpServer::handle(std::string_view message) {
  return handle_message(message, negotiated_ == kBatchProtocolVersion, !negotiated_.empty(),
                        &negotiated_);
}

McpServer::HttpAnswer McpServer::handle_http(std::string_view message,
                                             std::string_view protocol_version,
                                             std::string_view session_id, const McpCaller* caller) {
  const std::string& actor = caller ? caller->actor_id : caller_.actor_id;
  const auto now = clock_();
  HttpSession* session = nullptr;
  if (!session_id.empty()) {
    const auto it = sessions_.find(std::string(session_id));
    if (it == sessions_.end() || it->second.actor != actor ||
        now - it->second.last_used >= kSessionIdle) {
      if (it != sessions_.end() && it->second.actor == actor) sessions_.erase(it);
      return {404,
              dump(rpc_error(nullptr, -32001,
                             "no such MCP session (ended, expired or another caller's): "
                             "send initialize again")),
              ""};
    }
    session = &it->second;
    session->last_used = now;
  }
  const std::string version(protocol_version.empty() && session ? session->version
                                                                : protocol_version);
  std::string opened;
  current_caller_ = caller;
  refused_uninitialized_ = false;
  HttpAnswer answer{
      200, handle_message(message, version == kBatchProtocolVersion, session != nullptr, &opened),
      ""};
  current_caller_ = nullptr;
  if (refused_uninitialized_) answer.status = 400;  // no session: initialize first
  if (!opened.empty()) {
    if (sessions_.size() >= kMaxSessions) {  // the least recently used ends
      auto oldest = sessions_.begin();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
        if (it->second.last_used < oldest->second.last_used) oldest = it;
      sessions_.erase(oldest);
    }
    answer.session_id = new_uuid_v4();
    sessions_[answer.session_id] = {actor, opened, now};
  }
  return answer;
}

bool McpServer::end_session(std::string_view session_id, const McpCaller* caller) {
  const std::string& actor = caller ? caller->actor_id : caller_.actor_id;
  const auto it = sessions_.find(std::string(session_id));
  if (it == sessions_.end() || it->second.actor != actor) return false;
  sessions_.erase(it);
  return true;
}

std::optional<std::string> McpServer::handle_message(std::string_view message, bool batches,
                                                     bool initialized, std::string* negotiated) {
  try {
    // The envelope adds up to three levels (batch, request, params) above the arguments, which
    // the context parser then holds to the context's own limit.
    auto parsed =
        read_json(message, {.max_bytes = kMaxMessageBytes, .max_depth = kMaxJsonDepth + 3});
    if (!parsed) return dump(parse_error_reply(parsed.error()));
    const json& msg = parsed.value();
    if (!msg.is_array()) {
      auto reply = handle_request(msg, false, initialized, negotiated);
      return reply ? std::optional(dump(*reply)) : std::nullopt;
    }
    if (msg.empty()) return dump(rpc_error(nullptr, -32600, "an empty batch is not a request"));
    if (!batches)
      return dump(rpc_error(
          nullptr, -32600,
          "JSON-RPC batches need protocol version " + std::string(kBatchProtocolVersion)));
    json replies = json::array();
    for (const json& request : msg)
      if (auto reply = handle_request(request, true, initialized, negotiated))
        replies.push_back(std::move(*reply));
    if (replies.empty()) return std::nullopt;  // only notifications
    return dump(replies);
  } catch (const std::exception&) {
    return dump(rpc_error(nullptr, -32603, "internal error"));
  }
}

std::optional<json> McpServer::handle_request(const json& req, bool in_batch, bool initialized,
                                              std::string* negotiated) {
  if (!req.is_object()) return rpc_error(nullptr, -32600, "a request must be a JSON object");
  const bool notification = !req.contains("id");
  json id = nullptr;
  if (!notification) {
    id = req["id"];
    if (!(id.is_string() || id.is_number_integer()))
      return rpc_error(nullptr, -32600, "id must be a string or an integer");
  }
  const auto version = req.find("jsonrpc");
  const auto method = req.find("method");
  if (version == req.end() || !version->is_string() || *version != "2.0" || method == req.end() ||
      !method->is_string()) {
    if (notification) return std::nullopt;
    return rpc_error(id, -32600,
                     "not a JSON-RPC 2.0 request (jsonrpc must be the string \"2.0\" and method "
                     "a string)");
  }
  const json params = req.contains("params") ? req["params"] : json::object();
  if (!params.is_object())
    return notification ? std::nullopt
                        : std::optional(rpc_error(id, -32602, "params must be an object"));
  if (notification) return std::nullopt;  // notifications/initialized and the like
  const std::string name = method->get<std::string>();
  if (in_batch && name == "initialize")
    return rpc_error(id, -32600, "initialize must not be part of a batch");
  if (!initialized && name != "initialize" && name != "ping") {
    refused_uninitialized_ = true;
    return rpc_error(id, -32600,
                     "not initialized: send initialize first (only ping may come before it)");
  }
  if (auto unknown = unknown_param(name, params))
    return rpc_error(id, -32602, "unknown key \"" + *unknown + "\" in params",
                     error_to_json(Error(errors::kJsonUnknownField, "params." + *unknown,
                                         "unknown key \"" + *unknown + "\" in params"))["error"]);
  json result = dispatch(name, params, negotiated);
  if (result.contains("__rpc_error")) {
    const json& e = result["__rpc_error"];
    return rpc_error(id, e["code"], e["message"], e.value("data", json()));
  }
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json McpServer::dispatch(const std::string& method, const json& params, std::string* negotiated) {
  auto error = [](int code, const std::string& message, json data = nullptr) {
    json e = {{"code", code}, {"message", message}};
    if (!data.is_null()) e["data"] = std::move(data);
    return json{{"__rpc_error", std::move(e)}};
  };
  if (method == "initialize") {
    const auto asked = params.find("protocolVersion");
    if (asked == params.end() || !asked->is_string())
      return error(-32602, "initialize needs protocolVersion, a string");
    const auto& supported = supported_protocol_versions();
    std::string version = supported.back();  // a version we speak, when the client's is not one
    if (std::find(supported.begin(), supported.end(), asked->get<std::string>()) != supported.end())
      version = asked->get<std::string>();
    *negotiated = version;
    return {{"protocolVersion", version},
            {"capabilities", {{"tools", {{"listChanged", false}}}}},
            {"serverInfo", {{"name", "aegis-governance"}, {"version", kEngineVersion}}},
            {"instructions",
             "Call aegis_evaluate_proposal before acting on a change; follow its status."}};
  }
  if (method == "ping") return json::object();
  if (method == "tools/list") return {{"tools", tool_definitions()}};
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string())
      return error(-32602, "tools/call needs a tool name");
    const std::string name = params["name"].get<std::string>();
    const McpTool* tool = find_tool(name);
    if (!tool) return error(-32602, "unknown tool: " + name.substr(0, 64));
    const json args = params.contains("arguments") ? params["arguments"] : json::object();
    if (!args.is_object())
      return error(-32602, "arguments must be an object",
                   error_to_json(Error(errors::kJsonNotObject, "arguments",
                                       "arguments must be an object"))["error"]);
    const McpCaller& caller = current_caller_ ? *current_caller_ : caller_;
    if (!tool->permission.empty() && caller.rbac) {
      if (auto denied = caller.rbac->check(caller.actor_id, tool->permission))
        return tool_error(*denied);
    }
    if (!allow_call()) {
      return tool_error(Error{errors::kMcpRateLimited, "",
                              "rate limit exceeded: at most " +
                                  std::to_string(config_.parameters().mcp_rate_limit) +
                                  " tool calls per minute"});
    }
    try {
      return tool->handler(*this, args);
    } catch (const AegisError& e) {
      return tool_error(e.error());
    } catch (const json::exception&) {
      return tool_error(Error(errors::kMcpInvalid, "", "the arguments do not fit the tool"));
    }
  }
  return error(-32601, "method not found: " + method.substr(0, 64));
}

std::optional<Error> McpServer::keep(const Evaluation& e) {
  if (!store_) {
    NewEntry n = e.entry();
    memory_.push_back({++memory_seq_, std::move(n.kind), std::move(n.id),
                       format_timestamp(e.decision.timestamp), std::move(n.body), "", "",
                       std::move(n.keys)});
    if (memory_.size() > kMemoryDecisions) memory_.pop_front();
    return std::nullopt;
  }
  if (service_->record_and_wait({e.entry()})) return std::nullopt;
  return Error{errors::kMcpStore, "", "the decision could not be stored; it was not returned"};
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
