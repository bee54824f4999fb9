// The MCP server (INTERFACES §5): JSON-RPC 2.0 messages in, responses out, with the seven AEGIS
// tools. Transport-independent: `aegis mcp` feeds it lines from stdin. Not thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/config.h"
#include "aegis/store.h"

namespace aegis {

class McpServer {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `store` (borrowed, may be null) keeps decisions for the list/get tools; without one they are
  // kept in memory for the session (the last 1,000). Tool calls beyond config.mcp_rate_limit per
  // minute (0 = off) get a tool error result.
  explicit McpServer(const AegisConfig& config, Store* store = nullptr, Clock clock = {});
  ~McpServer();

  // Handles one JSON-RPC message (a request or a notification); returns the response text, or
  // nullopt for a notification. Never throws: malformed input gets a JSON-RPC error response.
  std::optional<std::string> handle(std::string_view message);

  // The protocol versions `initialize` accepts (the client's is echoed when listed).
  static const std::vector<std::string>& supported_protocol_versions();

 private:
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params);
  nlohmann::json call_tool(const std::string& name, const nlohmann::json& args);
  bool allow_call();

  AegisConfig config_;
  Store* store_;
  Clock clock_;
  std::deque<std::chrono::steady_clock::time_point> recent_calls_;
  std::deque<std::pair<std::string, std::string>> memory_;  // (decision_id, json) without a store
};

}  // namespace aegis
