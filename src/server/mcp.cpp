// The MCP server's JSON-RPC side: messages, initialize, sessions, dispatch and errors.
#include "aegis/server/mcp.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/core/version.h"
#include "aegis/server/errors.h"
#include "mcp_tools.h"

namespace aegis {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessageBytes = 1 << 20;
constexpr size_t kMemoryDecisions = 1000;

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

}  // namespace aegis
