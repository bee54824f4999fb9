#include "aegis/mcp.h"

#include "aegis/kek.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>

#include "aegis/decide.h"
#include "aegis/json.h"
#include "aegis/uuid.h"
#include "aegis/version.h"
#include "aegis/counterfactual.h"
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

// A number in [0, 1]; the context's fields take their description from the context schema.
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
        {"status", {{"enum", {"proceed", "pause", "halt", "escalate"}}}},
        {"agent_id", {{"type", "string"}, {"minLength", 1}, {"maxLength", 256}}},
        {"failing_gate",
         {{"enum", {"complexity", "novelty", "profit", "quality", "risk", "utility", "drift"}}}},
        {"since", {{"type", "string"}, {"description", "RFC 3339 UTC time: at or after"}}},
        {"until", {{"type", "string"}, {"description", "RFC 3339 UTC time: before"}}}}},
      {"additionalProperties", false}};
  return schema;
}

const json& tool_definitions() {
  static const json tools = [] {
    json context_props = {
        {"agent_id", {{"type", "string"}, {"description", "Who asks (default aegis-cli)"}}},
        {"session_id", {{"type", "string"}}},
        {"phase", {{"type", "string"}, {"enum", {"plan", "commit", "work"}}}},
        {"proposal_summary", {{"type", "string"}, {"description", "What the change is"}}},
        {"estimated_impact", {{"type", "string"}, {"enum", {"low", "medium", "high", "critical"}}}},
        {"risk_baseline", unit_number()},
        {"risk_proposed", unit_number()},
        {"profit_baseline", {{"type", "number"}}},
        {"profit_proposed", {{"type", "number"}}},
        {"novelty_score", unit_number()},
        {"complexity_score", unit_number()},
        {"quality_score", unit_number()},
        {"quality_subscores", {{"type", "array"}, {"items", unit_number("subscore")}}},
        {"requires_human_approval", {{"type", "boolean"}}},
        {"time_sensitive", {{"type", "boolean"}}},
        {"reversible", {{"type", "boolean"}}},
        {"metadata", {{"type", "object"}}},
        {"change_type",
         {{"type", "string"}, {"enum", {"feature", "refactor", "bugfix", "config"}}}},
        {"utility",
         {{"type", "object"},
          {"properties",
           {{"expected_benefit", {{"type", "number"}}},
            {"benefit_std", {{"type", "number"}, {"minimum", 0}}},
            {"n_samples", {{"type", "integer"}, {"minimum", 1}}},
            {"disruption_probability", unit_number("Probability of disruption, 0-1")},
            {"migration_cost", {{"type", "number"}, {"minimum", 0}}}}},
          {"required", {"expected_benefit"}},
          {"additionalProperties", false}}},
        {"shadow", {{"type", "boolean"}, {"description", "Evaluate without enforcing"}}},
        {"drift_baseline_data",
         {{"type", "array"},
          {"items", {{"type", "number"}}},
          {"minItems", 30},
          {"description", "A drift baseline for this evaluation (at least 30 values)"}}}};
    // What each field means and which way its gate passes: schema/context.schema.json's
    // descriptions, the one place they are written (docs/gates.md#what-each-gate-rewards).
    const json schema = json::parse(detail::embedded_file("context.schema.json"));
    for (auto& [name, prop] : context_props.items())
      if (schema["properties"].contains(name) && schema["properties"][name].contains("description"))
        prop["description"] = schema["properties"][name]["description"];
    return json::array({
        {{"name", "aegis_evaluate_proposal"},
         {"description",
          "Decide whether a proposed change should go ahead: PROCEED, PAUSE, HALT or ESCALATE, "
          "with the gates, rationale and next steps."},
         {"inputSchema",
          {{"type", "object"}, {"properties", context_props}, {"additionalProperties", false}}}},
        {{"name", "aegis_what_if"},
         {"description",
          "What would the decision be if the context changed? Give the context and the changes "
          "(a JSON merge patch: nested utility fields merge, null removes a field); returns the "
          "changed decision and how it differs. Nothing is recorded unless record is true."},
         {"inputSchema",
          {{"type", "object"},
           {"properties",
            {{"context",
              {{"type", "object"}, {"properties", context_props}, {"additionalProperties", false}}},
             {"changes", {{"type", "object"}, {"description", "JSON merge patch of the context"}}},
             {"record", {{"type", "boolean"}, {"description", "Record the changed decision"}}}}},
           {"required", {"context", "changes"}},
           {"additionalProperties", false}}}},
        {{"name", "aegis_quick_risk_check"},
         {"description", "Fast check: is risk_score below threshold (no Bayesian evaluation)?"},
         {"inputSchema",
          {{"type", "object"},
           {"properties",
            {{"agent_id", {{"type", "string"}}},
             {"action_description", {{"type", "string"}}},
             {"risk_score", unit_number("Estimated risk, 0-1")},
             {"threshold", unit_number("Default 0.5")}}},
           {"required", {"action_description", "risk_score"}},
           {"additionalProperties", false}}}},
        {{"name", "aegis_check_thresholds"},
         {"description", "The gate thresholds and parameters in force, with the config hash."},
         {"inputSchema",
          {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}}}},
        {{"name", "aegis_get_scoring_guide"},
         {"description", "How to turn a domain's signals into AEGIS scores."},
         {"inputSchema",
          {{"type", "object"},
           {"properties",
            {{"domain",
              {{"type", "string"},
               {"enum", {"trading", "cicd", "moderation", "agents", "generic"}}}}}},
           {"additionalProperties", false}}}},
        {{"name", "aegis_crypto_status"},
         {"description", "Which signature and key-management features this server has."},
         {"inputSchema",
          {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}}}},
        {{"name", "aegis_list_decisions"},
         {"description",
          "Decisions, newest first (order: asc for the oldest first), filtered as GET "
          "/v1/decisions is, with a cursor for the next page."},
         {"inputSchema", list_decisions_schema()}},
        {{"name", "aegis_get_decision"},
         {"description", "One stored decision by its id."},
         {"inputSchema",
          {{"type", "object"},
           {"properties", {{"decision_id", {{"type", "string"}}}}},
           {"required", {"decision_id"}},
           {"additionalProperties", false}}}},
    });
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

// Reads a tool's arguments strictly: only the names its inputSchema lists, each of its type.
// Errors are InvalidInputError "mcp.invalid" naming the argument.
class Args {
 public:
  Args(const json& args, std::initializer_list<std::string_view> allowed) : args_(args) {
    std::optional<std::string> unknown;  // the least in byte order, as the context parser does
    for (const auto& [key, value] : args.items()) {
      bool known = false;
      for (auto a : allowed) known = known || a == key;
      if (!known && (!unknown || key < *unknown)) unknown = key;
    }
    if (unknown)
      throw_error(invalid_input("json.unknown_field", *unknown,
                                "unknown argument \"" + *unknown + "\""));
  }
  std::optional<double> number(const char* name) const {
    const json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_number()) wrong(name, "a number");
    return v->get<double>();
  }
  std::optional<int64_t> integer(const char* name) const {
    const json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX))
      wrong(name, "an integer");
    return v->get<int64_t>();
  }
  std::optional<std::string> string(const char* name) const {
    const json* v = find(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) wrong(name, "a string");
    return v->get<std::string>();
  }

 private:
  const json* find(const char* name) const {
    const auto it = args_.find(name);
    return it == args_.end() ? nullptr : &*it;
  }
  [[noreturn]] static void wrong(const char* name, const char* expected) {
    throw_error(invalid_input("mcp.invalid", name,
                              std::string(name) + " must be " + expected));
  }
  const json& args_;
};

// The permission a tool needs from the configured caller (none for static information).
std::optional<std::string_view> tool_permission(std::string_view tool) {
  if (tool == "aegis_evaluate_proposal" || tool == "aegis_quick_risk_check" ||
      tool == "aegis_what_if")
    return "decide";
  if (tool == "aegis_list_decisions" || tool == "aegis_get_decision") return "read_decisions";
  return std::nullopt;
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
  const int code = e.kind == ErrorKind::kPayloadTooLarge ? -32600 : -32700;
  return rpc_error(nullptr, code, code == -32700 ? "parse error: " + e.message : e.message,
                   std::move(data));
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

Result<McpSettings> read_mcp_section(const YAML::Node& mcp, const std::string& source) {
  McpSettings s;
  auto fail = [&](const std::string& key, const std::string& why) {
    return invalid_input("mcp.config", key, source + ": " + key + " " + why);
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
    return invalid_input("config.yaml_syntax", "", source + ": malformed YAML: " + e.msg);
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
                                             std::string_view session_id,
                                             const McpCaller* caller) {
  const std::string& actor = caller ? caller->actor_id : caller_.actor_id;
  const auto now = clock_();
  HttpSession* session = nullptr;
  if (!session_id.empty()) {
    const auto it = sessions_.find(std::string(session_id));
    if (it == sessions_.end() || it->second.actor != actor ||
        now - it->second.last_used >= kSessionIdle) {
      if (it != sessions_.end() && it->second.actor == actor) sessions_.erase(it);
      return {404, dump(rpc_error(nullptr, -32001,
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
  HttpAnswer answer{200, handle_message(message, version == kBatchProtocolVersion,
                                        session != nullptr, &opened),
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
    auto parsed = read_json(message, {.max_bytes = kMaxMessageBytes,
                                      .max_depth = kMaxJsonDepth + 3});
    if (!parsed) return dump(parse_error_reply(parsed.error()));
    const json& msg = parsed.value();
    if (!msg.is_array()) {
      auto reply = handle_request(msg, false, initialized, negotiated);
      return reply ? std::optional(dump(*reply)) : std::nullopt;
    }
    if (msg.empty()) return dump(rpc_error(nullptr, -32600, "an empty batch is not a request"));
    if (!batches)
      return dump(rpc_error(nullptr, -32600,
                            "JSON-RPC batches need protocol version " +
                                std::string(kBatchProtocolVersion)));
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
                     error_to_json(invalid_input("json.unknown_field", "params." + *unknown,
                                                 "unknown key \"" + *unknown + "\" in params"))
                         ["error"]);
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
    if (std::find(supported.begin(), supported.end(), asked->get<std::string>()) !=
        supported.end())
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
    bool known = false;
    for (const auto& t : tool_definitions()) known |= t["name"] == name;
    if (!known) return error(-32602, "unknown tool: " + name.substr(0, 64));
    const json args = params.contains("arguments") ? params["arguments"] : json::object();
    if (!args.is_object())
      return error(-32602, "arguments must be an object",
                   error_to_json(invalid_input("json.not_object", "arguments",
                                               "arguments must be an object"))["error"]);
    const McpCaller& caller = current_caller_ ? *current_caller_ : caller_;
    if (const auto permission = tool_permission(name); permission && caller.rbac) {
      if (auto denied = caller.rbac->check(caller.actor_id, *permission))
        return tool_error(*denied);
    }
    if (!allow_call()) {
      return tool_error(Error{ErrorKind::kInvalidInput, "mcp.rate_limited", "",
                              "rate limit exceeded: at most " +
                                  std::to_string(config_.parameters().mcp_rate_limit) +
                                  " tool calls per minute"});
    }
    return call_tool(name, args);
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
  return Error{ErrorKind::kInternal, "mcp.store", "",
               "the decision could not be stored; it was not returned"};
}

json McpServer::call_tool(const std::string& name, const json& args) {
  try {
    if (name == "aegis_evaluate_proposal") {
      ContextParser parser =
          service_->parser({.cli_aliases = false, .cli_defaults = true, .request_fields = true});
      auto made = service_->evaluate(args.dump(), parser);
      if (!made) return tool_error(made.error());
      const Evaluation& e = made.value();
      if (auto failed = keep(e)) return tool_error(*failed);
      return tool_result(e.decision.rationale, json::parse(e.json));
    }
    if (name == "aegis_what_if") {
      auto request = what_if_request(args);
      if (!request) return tool_error(request.error());
      ContextParser parser =
          service_->parser({.cli_aliases = false, .cli_defaults = true, .request_fields = true});
      auto answer =
          what_if(*service_, request.value().context, request.value().changes, parser);
      if (!answer) return tool_error(answer.error());
      const WhatIf& w = answer.value();
      if (request.value().record) {
        if (auto failed = keep(w.changed)) return tool_error(*failed);
      }
      return tool_result(std::string(to_string(w.original.decision.status)) + " -> " +
                             std::string(to_string(w.changed.decision.status)) + ": " +
                             w.changed.decision.rationale,
                         json::parse(w.to_json(request.value().record)));
    }
    if (name == "aegis_quick_risk_check") {
      const Args a(args, {"agent_id", "action_description", "risk_score", "threshold"});
      const auto score = a.number("risk_score");
      const auto action = a.string("action_description");
      if (!score || !action)
        return tool_error(invalid_input("mcp.invalid", score ? "action_description" : "risk_score",
                                        "risk_score (number) and action_description (string) "
                                        "are required"));
      const double threshold = a.number("threshold").value_or(0.5);
      const bool safe =
          quick_risk_check(a.string("agent_id").value_or("mcp-agent"), *action, *score, threshold);
      return tool_result(
          safe ? "safe: risk below threshold" : "not safe: risk at or above threshold",
          {{"safe", safe}, {"risk_score", *score}, {"threshold", threshold}});
    }
    if (name == "aegis_check_thresholds") {
      const Args a(args, {});
      return tool_result("parameters in force (config " + config_.config_hash().substr(0, 12) + ")",
                         {{"parameters", config_to_json(config_.parameters())},
                          {"config_hash", config_.config_hash()}});
    }
    if (name == "aegis_get_scoring_guide") {
      const Args a(args, {"domain"});
      const std::string domain = a.string("domain").value_or("generic");
      if (!scoring_guides().contains(domain))
        return tool_error(invalid_input("mcp.invalid", "domain",
                                        "domain must be trading, cicd, moderation, agents or "
                                        "generic"));
      const std::string guide = scoring_guides()[domain].get<std::string>() + " " +
                                which_way_each_gate_passes(config_.create_gate_evaluator());
      return tool_result(guide, {{"domain", domain}, {"guide", guide}});
    }
    if (name == "aegis_crypto_status") {
      const Args a(args, {});
      json status = kek_status_json();
      status["override_signatures"] = "BIP-322 simple, P2TR key path (BIP-340 Schnorr, secp256k1)";
      status["two_key_override"] = true;
      status["hybrid_kem"] = "X-Wing (draft-connolly-cfrg-xwing-kem-10: ML-KEM-768 + X25519)";
      return tool_result(status.dump(), status);
    }
    if (name == "aegis_list_decisions") {
      const Args a(args, {"limit", "cursor", "order", "status", "agent_id", "failing_gate",
                          "since", "until"});
      const int64_t limit = a.integer("limit").value_or(20);
      if (limit < 1 || limit > 100)
        return tool_error(invalid_input("mcp.invalid", "limit", "limit must be in [1, 100]"));
      Store::DecisionQuery q{.limit = static_cast<size_t>(limit)};
      if (const auto c = a.string("cursor")) {
        bool ok = !c->empty() && c->size() <= 18;
        for (char ch : *c) ok = ok && ch >= '0' && ch <= '9';
        if (!ok)
          return tool_error(invalid_input("mcp.invalid", "cursor", "cursor is not one we gave"));
        q.cursor = std::stoll(*c);
      }
      const auto order = a.string("order").value_or("desc");
      if (order != "asc" && order != "desc")
        return tool_error(invalid_input("mcp.invalid", "order", "order must be asc or desc"));
      q.newest_first = order == "desc";
      // The schema's enums (tool_definitions) are the names each filter takes.
      const json& schema = list_decisions_schema()["properties"];
      for (const auto& [field, into] : {std::pair<const char*, std::optional<std::string>*>{
                                            "status", &q.status},
                                        {"failing_gate", &q.failing_gate},
                                        {"agent_id", &q.agent_id}}) {
        auto v = a.string(field);
        if (!v) continue;
        const json& allowed = schema[field].value("enum", json::array());
        if ((!allowed.empty() && std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) ||
            v->empty() || v->size() > kMaxIdLength || v->find('\0') != std::string::npos)
          return tool_error(invalid_input(
              "mcp.invalid", field,
              std::string(field) + " must be " +
                  (allowed.empty() ? std::string("1 to 256 bytes without U+0000")
                                   : "one of " + allowed.dump())));
        *into = std::move(*v);
      }
      for (const auto& [field, into] : {std::pair<const char*, std::optional<std::string>*>{
                                            "since", &q.since},
                                        {"until", &q.until}}) {
        const auto v = a.string(field);
        if (!v) continue;
        *into = Store::DecisionQuery::time_bound(*v);
        if (!*into)
          return tool_error(invalid_input("mcp.invalid", field,
                                          std::string(field) +
                                              " must be an RFC 3339 UTC time such as "
                                              "2026-12-02T21:08:01.123Z (or its date)"));
      }
      std::vector<AuditEntry> found;
      if (store_) {
        std::lock_guard<std::mutex> g(*store_lock_);
        found = store_->find_decisions(q);
      } else {  // the same selection over the decisions kept in memory
        const auto take = [&](const AuditEntry& e) {
          if (found.size() < q.limit && q.matches(e)) found.push_back(e);
        };
        if (q.newest_first)
          std::for_each(memory_.rbegin(), memory_.rend(), take);
        else
          std::for_each(memory_.begin(), memory_.end(), take);
      }
      json list = json::array();
      for (const auto& e : found) list.push_back(json::parse(e.body));
      json out = {{"decisions", list}};
      out["next_cursor"] = found.size() == q.limit ? json(std::to_string(found.back().seq))
                                                   : json(nullptr);
      return tool_result(std::to_string(list.size()) + " decisions", out);
    }
    if (name == "aegis_get_decision") {
      const Args a(args, {"decision_id"});
      const auto id = a.string("decision_id");
      if (!id)
        return tool_error(invalid_input("mcp.invalid", "decision_id", "decision_id is required"));
      std::optional<std::string> found;
      if (store_) {
        std::lock_guard<std::mutex> g(*store_lock_);
        found = store_->get_decision(*id);
      } else {
        for (const auto& e : memory_)
          if (e.id == *id) found = e.body;
      }
      if (!found)
        return tool_error(Error{ErrorKind::kNotFound, "mcp.not_found", "decision_id",
                                "no decision " + id->substr(0, 64)});
      return tool_result(*found, json::parse(*found));
    }
  } catch (const AegisError& e) {
    return tool_error(e.error());
  } catch (const json::exception&) {
    return tool_error(invalid_input("mcp.invalid", "", "the arguments do not fit the tool"));
  }
  return tool_error(Error{ErrorKind::kInternal, "mcp.internal", "", "unhandled tool " + name});
}

}  // namespace aegis
