#include "aegis/mcp.h"

#include "aegis/decide.h"
#include "aegis/json.h"
#include "aegis/version.h"

namespace aegis {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessageBytes = 1 << 20;
constexpr size_t kMemoryDecisions = 1000;

json rpc_error(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json tool_result(const std::string& text, json structured, bool is_error = false) {
  json r = {{"content", json::array({{{"type", "text"}, {"text", text}}})},
            {"structuredContent", std::move(structured)}};
  if (is_error) r["isError"] = true;
  return r;
}

json tool_error(const Error& e) { return tool_result(e.message, error_to_json(e), true); }

json unit_number(const char* description) {
  return {{"type", "number"}, {"minimum", 0}, {"maximum", 1}, {"description", description}};
}

const json& tool_definitions() {
  static const json tools = [] {
    json context_props = {
        {"agent_id", {{"type", "string"}, {"description", "Who asks (default aegis-cli)"}}},
        {"session_id", {{"type", "string"}}},
        {"phase", {{"type", "string"}, {"enum", {"plan", "commit", "work"}}}},
        {"proposal_summary", {{"type", "string"}, {"description", "What the change is"}}},
        {"estimated_impact", {{"type", "string"}, {"enum", {"low", "medium", "high", "critical"}}}},
        {"risk_baseline", unit_number("Current risk, 0-1")},
        {"risk_proposed", unit_number("Risk after the change, 0-1")},
        {"profit_baseline", {{"type", "number"}}},
        {"profit_proposed", {{"type", "number"}}},
        {"novelty_score", unit_number("How unprecedented, 0-1")},
        {"complexity_score", unit_number("Higher = simpler, 0-1; below 0.5 always halts")},
        {"quality_score", unit_number("Overall quality, 0-1")},
        {"quality_subscores", {{"type", "array"}, {"items", unit_number("subscore")}}},
        {"requires_human_approval", {{"type", "boolean"}}},
        {"time_sensitive", {{"type", "boolean"}}},
        {"reversible", {{"type", "boolean"}}},
        {"metadata", {{"type", "object"}}},
        {"shadow", {{"type", "boolean"}, {"description", "Evaluate without enforcing"}}}};
    return json::array({
        {{"name", "aegis_evaluate_proposal"},
         {"description",
          "Decide whether a proposed change should go ahead: PROCEED, PAUSE, HALT or ESCALATE, "
          "with the gates, rationale and next steps."},
         {"inputSchema",
          {{"type", "object"}, {"properties", context_props}, {"additionalProperties", false}}}},
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
         {"description", "Recent decisions, oldest first, with a cursor for the next page."},
         {"inputSchema",
          {{"type", "object"},
           {"properties",
            {{"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
             {"cursor", {{"type", "string"}}}}},
           {"additionalProperties", false}}}},
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
       "novelty_score: 0 routine ... 1 never done here; complexity_score: 1 trivial ... 0 "
       "sprawling (below 0.5 always halts); quality_score: evidence quality (tests, review); "
       "estimated_impact: blast radius; reversible: can it be undone quickly?"},
      {"cicd",
       "risk_baseline: recent change-failure rate of this service; risk_proposed: the same "
       "adjusted for this diff (failing checks, touched critical paths); complexity_score: "
       "1 - weighted share of files/modules/lines/new dependencies changed (the CI preset); "
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

McpServer::McpServer(const AegisConfig& config, Store* store, Clock clock)
    : config_(config), store_(store), clock_(std::move(clock)) {
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
  json id = nullptr;
  try {
    if (message.size() > kMaxMessageBytes)
      return rpc_error(nullptr, -32600, "message over 1 MiB").dump();
    json req;
    try {
      req = json::parse(message);
    } catch (const json::exception&) {
      return rpc_error(nullptr, -32700, "parse error: not JSON").dump();
    }
    if (!req.is_object())
      return rpc_error(nullptr, -32600, "a request must be a JSON object").dump();
    const bool notification = !req.contains("id");
    if (!notification) {
      id = req["id"];
      if (!(id.is_string() || id.is_number_integer()))
        return rpc_error(nullptr, -32600, "id must be a string or an integer").dump();
    }
    if (req.value("jsonrpc", "") != "2.0" || !req.contains("method") || !req["method"].is_string())
      return notification
                 ? std::nullopt
                 : std::optional(rpc_error(id, -32600, "not a JSON-RPC 2.0 request").dump());
    const json params = req.contains("params") ? req["params"] : json::object();
    if (!params.is_object())
      return notification ? std::nullopt
                          : std::optional(rpc_error(id, -32602, "params must be an object").dump());
    const std::string method = req["method"].get<std::string>();
    if (notification) return std::nullopt;  // notifications/initialized and the like
    json result = dispatch(method, params);
    if (result.contains("__rpc_error"))
      return rpc_error(id, result["__rpc_error"]["code"], result["__rpc_error"]["message"]).dump();
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return rpc_error(id, -32603, std::string("internal error: ") + e.what()).dump();
  }
}

json McpServer::dispatch(const std::string& method, const json& params) {
  auto error = [](int code, const std::string& message) {
    return json{{"__rpc_error", {{"code", code}, {"message", message}}}};
  };
  if (method == "initialize") {
    const auto& supported = supported_protocol_versions();
    std::string version = supported.back();
    if (params.contains("protocolVersion") && params["protocolVersion"].is_string()) {
      const std::string asked = params["protocolVersion"].get<std::string>();
      if (std::find(supported.begin(), supported.end(), asked) != supported.end()) version = asked;
    }
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
    if (!known) return error(-32602, "unknown tool: " + name);
    const json args = params.contains("arguments") ? params["arguments"] : json::object();
    if (!args.is_object()) return error(-32602, "arguments must be an object");
    if (!allow_call()) {
      return tool_error(Error{ErrorKind::kInvalidInput, "mcp.rate_limited", "",
                              "rate limit exceeded: at most " +
                                  std::to_string(config_.parameters().mcp_rate_limit) +
                                  " tool calls per minute"});
    }
    return call_tool(name, args);
  }
  return error(-32601, "method not found: " + method);
}

json McpServer::call_tool(const std::string& name, const json& args) {
  try {
    if (name == "aegis_evaluate_proposal") {
      ContextParser parser(config_,
                           {.cli_aliases = false, .cli_defaults = true, .request_fields = true});
      auto req = parser.parse(args.dump());
      if (!req) return tool_error(req.error());
      if (req.value().drift_baseline_data)
        return tool_error(invalid_input("mcp.unsupported", "drift_baseline_data",
                                        "drift_baseline_data is not accepted by this tool"));
      const GateEvaluator evaluator = config_.create_gate_evaluator();
      const PCWDecision d = pcw_decide(
          req.value().context, {.gate_evaluator = &evaluator, .shadow_mode = req.value().shadow});
      const std::string text = decision_to_json(d);
      if (store_) {
        store_->record_decisions(std::span<const PCWDecision>(&d, 1));
      } else {
        memory_.emplace_back(d.decision_id, text);
        if (memory_.size() > kMemoryDecisions) memory_.pop_front();
      }
      return tool_result(d.rationale, json::parse(text));
    }
    if (name == "aegis_quick_risk_check") {
      const double threshold = args.value("threshold", 0.5);
      if (!args["risk_score"].is_number() || !args.value("action_description", json()).is_string())
        return tool_error(invalid_input("mcp.invalid", "risk_score",
                                        "risk_score (number) and action_description (string) "
                                        "are required"));
      const double score = args["risk_score"].get<double>();
      const bool safe =
          quick_risk_check(args.value("agent_id", "mcp-agent"),
                           args["action_description"].get<std::string>(), score, threshold);
      return tool_result(
          safe ? "safe: risk below threshold" : "not safe: risk at or above threshold",
          {{"safe", safe}, {"risk_score", score}, {"threshold", threshold}});
    }
    if (name == "aegis_check_thresholds") {
      return tool_result("parameters in force (config " + config_.config_hash().substr(0, 12) + ")",
                         {{"parameters", config_to_json(config_.parameters())},
                          {"config_hash", config_.config_hash()}});
    }
    if (name == "aegis_get_scoring_guide") {
      const std::string domain = args.value("domain", "generic");
      if (!scoring_guides().contains(domain))
        return tool_error(invalid_input("mcp.invalid", "domain",
                                        "domain must be trading, cicd, moderation, agents or "
                                        "generic"));
      const std::string guide = scoring_guides()[domain];
      return tool_result(guide, {{"domain", domain}, {"guide", guide}});
    }
    if (name == "aegis_crypto_status") {
      const json status = {
          {"override_signatures", "BIP-322 simple, P2TR key path (BIP-340 Schnorr, secp256k1)"},
          {"two_key_override", true},
          {"HYBRID_KEM_AVAILABLE", false},
          {"KMS_KEK_AVAILABLE", false},
          {"HSM_KEK_AVAILABLE", false}};
      return tool_result(status.dump(), status);
    }
    if (name == "aegis_list_decisions") {
      const int64_t limit = args.value("limit", 20);
      if (limit < 1 || limit > 100)
        return tool_error(invalid_input("mcp.invalid", "limit", "limit must be in [1, 100]"));
      int64_t after = 0;
      if (args.contains("cursor")) {
        const std::string c = args["cursor"].is_string() ? args["cursor"].get<std::string>() : "";
        try {
          size_t used = 0;
          after = std::stoll(c, &used);
          if (used != c.size() || after < 0) throw std::invalid_argument("cursor");
        } catch (const std::exception&) {
          return tool_error(invalid_input("mcp.invalid", "cursor", "cursor is not one we gave"));
        }
      }
      json list = json::array();
      int64_t last = after;
      if (store_) {
        for (const auto& e : store_->list_decisions(static_cast<size_t>(limit), after)) {
          list.push_back(json::parse(e.body));
          last = e.seq;
        }
      } else {
        for (size_t i = static_cast<size_t>(after);
             i < memory_.size() && list.size() < static_cast<size_t>(limit); ++i) {
          list.push_back(json::parse(memory_[i].second));
          last = static_cast<int64_t>(i + 1);
        }
      }
      json out = {{"decisions", list}};
      out["next_cursor"] =
          list.size() == static_cast<size_t>(limit) ? json(std::to_string(last)) : json(nullptr);
      return tool_result(std::to_string(list.size()) + " decisions", out);
    }
    if (name == "aegis_get_decision") {
      if (!args.contains("decision_id") || !args["decision_id"].is_string())
        return tool_error(invalid_input("mcp.invalid", "decision_id", "decision_id is required"));
      const std::string id = args["decision_id"].get<std::string>();
      std::optional<std::string> found;
      if (store_) {
        found = store_->get_decision(id);
      } else {
        for (const auto& [did, text] : memory_)
          if (did == id) found = text;
      }
      if (!found)
        return tool_error(
            Error{ErrorKind::kNotFound, "mcp.not_found", "decision_id", "no decision " + id});
      return tool_result(*found, json::parse(*found));
    }
  } catch (const AegisError& e) {
    return tool_error(e.error());
  } catch (const json::exception& e) {
    return tool_error(invalid_input("mcp.invalid", "", std::string("bad arguments: ") + e.what()));
  }
  return tool_error(Error{ErrorKind::kInternal, "mcp.internal", "", "unhandled tool " + name});
}

}  // namespace aegis
