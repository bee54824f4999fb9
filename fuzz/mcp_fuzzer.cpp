// libFuzzer target for the MCP JSON-RPC handling: every input gets valid JSON back (or nothing,
// for a notification), never a crash or an exception.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aegis/mcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static aegis::McpServer server{aegis::AegisConfig()};
  const auto reply = server.handle(std::string_view(reinterpret_cast<const char*>(data), size));
  if (reply) {
    const auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded() || j["jsonrpc"] != "2.0") std::abort();
  }
  return 0;
}
