// The MCP server (docs/interfaces.md#mcp): JSON-RPC 2.0 messages in, responses out, with the seven
// AEGIS tools. Transport-independent: `aegis mcp` feeds it lines from stdin or HTTP bodies. Not
// thread-safe: one caller at a time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"

namespace aegis {

// The `mcp:` section of a config file. `actor_id`: the actor MCP tool calls are made as; with
// it, every tool that decides or reads decisions needs that actor's permission (decide,
// read_decisions) in the RBAC table.
struct McpSettings {
  std::optional<std::string> actor_id;
};
// Reads the `mcp:` section's node (a ConfigLoader hands it over): InvalidInputError naming the
// key ("mcp.actor_id") for a section that cannot be applied, "config.unknown_key" with the
// nearest setting for a key that is none.
Result<McpSettings> read_mcp_section(const YAML::Node& mcp, const std::string& source);

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
  McpServer(const DecisionService& service, Store& store, std::mutex& store_lock, Clock clock = {});
  ~McpServer();

  // Handles one message of a stdio session: a request, a notification or — when the session's
  // `initialize` negotiated 2025-03-26, the one version that has them — a batch. Returns the
  // response text (an array for a batch), or nullopt when nothing is to be answered. Never
  // throws: malformed input gets a JSON-RPC error (-32700 for JSON the strict reader refuses,
  // with its detail and field in `data`), never a library's text. Until `initialize` has been
  // answered, every request but `initialize` and `ping` gets -32600 (not initialized); a key of
  // `params` the method does not define gets -32602 naming it, as an unknown argument does.
  std::optional<std::string> handle(std::string_view message);

  // One message of the streamable HTTP transport, with MCP sessions. `initialize` opens a
  // session whose id the answer carries (the Mcp-Session-Id header); every other request but
  // `ping` must name an open session of the same actor: HTTP 400 without one, 404 for an unknown
  // or ended one (the client then initializes again). `protocol_version` is the request's
  // MCP-Protocol-Version header (empty: the session's); batches only for 2025-03-26. `caller`
  // (borrowed, may be null) replaces the configured caller: the actor of the request's API key.
  // A session idle for kSessionIdle ends; at most kMaxSessions are open (the least recently
  // used ends first).
  struct HttpAnswer {
    int status = 200;
    std::optional<std::string> body;  // nullopt: 202, nothing to answer
    std::string session_id;           // set when this message opened a session
  };
  HttpAnswer handle_http(std::string_view message, std::string_view protocol_version,
                         std::string_view session_id, const McpCaller* caller = nullptr);
  // Ends an open session of the caller's (DELETE /mcp; `caller` as for handle_http); false when
  // there is none.
  bool end_session(std::string_view session_id, const McpCaller* caller = nullptr);
  static constexpr size_t kMaxSessions = 10'000;
  static constexpr std::chrono::minutes kSessionIdle{60};

  // The protocol versions `initialize` accepts (the client's is echoed when listed).
  static const std::vector<std::string>& supported_protocol_versions();
  // The version that has JSON-RPC batches.
  static constexpr std::string_view kBatchProtocolVersion = "2025-03-26";

 private:
  friend struct McpTools;  // the tools' handlers (src/server/mcp_tools.cpp)
  // `negotiated`: where a successful `initialize` writes its version; `initialized`: whether
  // requests other than initialize and ping may come.
  std::optional<std::string> handle_message(std::string_view message, bool batches,
                                            bool initialized, std::string* negotiated);
  std::optional<nlohmann::json> handle_request(const nlohmann::json& request, bool in_batch,
                                               bool initialized, std::string* negotiated);
  // Keeps a decision for the list/get tools: recorded durably, or in memory without a store.
  std::optional<Error> keep(const Evaluation& e);
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params,
                          std::string* negotiated);
  bool allow_call();

  std::unique_ptr<StoreDecisionService> owned_;  // when built on a config and a store
  const DecisionService* service_;
  const AegisConfig& config_;
  Store* store_;
  std::mutex* store_lock_;
  Clock clock_;
  McpCaller caller_;
  const McpCaller* current_caller_ = nullptr;  // this message's caller
  std::string negotiated_;              // the stdio session's protocol version, once initialized
  bool refused_uninitialized_ = false;  // the last message had a request refused for it
  struct HttpSession {
    std::string actor, version;
    std::chrono::steady_clock::time_point last_used;
  };
  std::unordered_map<std::string, HttpSession> sessions_;
  std::deque<std::chrono::steady_clock::time_point> recent_calls_;
  std::deque<AuditEntry> memory_;  // without a store: the last decisions (seq counts from 1)
  int64_t memory_seq_ = 0;
};

}  // namespace aegis
