// The MCP server (INTERFACES §5): JSON-RPC 2.0 messages in, responses out, with the seven AEGIS
// tools. Transport-independent: `aegis mcp` feeds it lines from stdin or HTTP bodies. Not
// thread-safe: one caller at a time.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/config.h"
#include "aegis/decide.h"
#include "aegis/decision_service.h"
#include "aegis/store.h"

namespace aegis {

// The `mcp:` section of a config file. `actor_id`: the actor MCP tool calls are made as; with
// it, every tool that decides or reads decisions needs that actor's permission (decide,
// read_decisions) in the RBAC table.
struct McpSettings {
  std::optional<std::string> actor_id;
};
// InvalidInputError naming the key ("mcp.actor_id") for a section that cannot be applied.
Result<McpSettings> parse_mcp_settings(const std::string& yaml_text, const std::string& source);

// Who calls the tools: the actor and the permission checker (both borrowed) of McpSettings.
struct McpCaller {
  std::string actor_id;
  const PermissionChecker* rbac = nullptr;
};

class McpServer {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `store` (borrowed, may be null) keeps decisions for the list/get tools — recorded through a
  // decision log of the server's own; without one they are kept in memory for the session (the
  // last 1,000). Tool calls beyond config.mcp_rate_limit per minute (0 = off) get a tool error
  // result. With a `caller`, tools need its permissions.
  explicit McpServer(const AegisConfig& config, Store* store = nullptr, Clock clock = {},
                     McpCaller caller = {});
  // Decides and records through `service` (borrowed: the one pipeline of a server); `store`
  // (borrowed) serves the list/get tools, under `store_lock`.
  McpServer(const DecisionService& service, Store& store, std::mutex& store_lock,
            Clock clock = {});
  ~McpServer();

  // Handles one message of a stdio session: a request, a notification or — when the session's
  // `initialize` negotiated 2025-03-26, the one version that has them — a batch. Returns the
  // response text (an array for a batch), or nullopt when nothing is to be answered. Never
  // throws: malformed input gets a JSON-RPC error (-32700 for JSON the strict reader refuses,
  // with its detail and field in `data`), never a library's text.
  std::optional<std::string> handle(std::string_view message);
  // The same for one message of the stateless HTTP transport: `protocol_version` is the
  // request's MCP-Protocol-Version header (empty when absent); batches only for 2025-03-26.
  // `caller` (borrowed, may be null) replaces the configured caller for this message: the
  // actor of the request's API key.
  std::optional<std::string> handle_stateless(std::string_view message,
                                              std::string_view protocol_version,
                                              const McpCaller* caller = nullptr);

  // The protocol versions `initialize` accepts (the client's is echoed when listed).
  static const std::vector<std::string>& supported_protocol_versions();
  // The version that has JSON-RPC batches.
  static constexpr std::string_view kBatchProtocolVersion = "2025-03-26";

 private:
  std::optional<std::string> handle_message(std::string_view message, bool batches,
                                            bool remember_version);
  std::optional<nlohmann::json> handle_request(const nlohmann::json& request, bool in_batch,
                                               bool remember_version);
  // Keeps a decision for the list/get tools: recorded durably, or in memory without a store.
  std::optional<Error> keep(const Evaluation& e);
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params,
                          bool remember_version);
  nlohmann::json call_tool(const std::string& name, const nlohmann::json& args);
  bool allow_call();

  std::unique_ptr<StoreDecisionService> owned_;  // when built on a config and a store
  const DecisionService* service_;
  const AegisConfig& config_;
  Store* store_;
  std::mutex* store_lock_;
  Clock clock_;
  McpCaller caller_;
  const McpCaller* current_caller_ = nullptr;  // this message's caller
  std::string negotiated_;  // the stdio session's protocol version, once initialized
  std::deque<std::chrono::steady_clock::time_point> recent_calls_;
  std::deque<std::pair<std::string, std::string>> memory_;  // (decision_id, json) without a store
};

}  // namespace aegis
