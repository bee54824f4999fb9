// libFuzzer target for the MCP JSON-RPC handling: every input gets valid JSON back (or nothing,
// for a notification), never a crash or an exception.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aegis/server/mcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Initialized once, so that inputs reach the tools (an input may initialize again).
  static aegis::McpServer& server = []() -> aegis::McpServer& {
    static aegis::McpServer s{aegis::AegisConfig()};
    s.handle(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
    return s;
  }();
  const auto reply = server.handle(std::string_view(reinterpret_cast<const char*>(data), size));
  if (reply) {
    const auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded() || j["jsonrpc"] != "2.0") std::abort();
  }
  return 0;
}
