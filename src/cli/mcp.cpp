// `aegis mcp`: the MCP server over stdio (newline-delimited JSON-RPC 2.0).
#include "aegis/server/mcp.h"

#include <cstdio>

#include "aegis/server/api_server.h"
#include "aegis/workflow/rbac.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {

int run_mcp(const std::optional<std::string>& config_path, const std::optional<std::string>& db,
            const std::string& transport, const std::string& host, int port) {
  auto file = load_config_file(config_path);
  if (!file) return report_error(file.error());
  // With `mcp.actor_id`, tool calls are made as that actor and the rbac: section applies.
  const ConfigFile& f = file.value();
  McpCaller caller;
  if (f.mcp.actor_id) caller = {*f.mcp.actor_id, &f.rbac};
  std::unique_ptr<Store> store;
  try {
    if (db) store = Store::open(*db);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  if (f.config.parameters().telemetry_url)  // said, not silently skipped
    std::fprintf(stderr,
                 "aegis: warning: telemetry_url is set, but `aegis mcp` sends no telemetry; its "
                 "decisions are in --db's audit chain (aegis serve's /mcp sends them)\n");
  McpServer server(f.config, store.get(), {}, caller);
  if (transport == "http") {
    if (auto e = serve_mcp_over_http(server, host, port)) return report_error(*e);
    return 0;
  }
  read_stdin_lines(size_t{1} << 20, [&server](const std::string& line) {
    const auto reply = server.handle(line);
    return !reply || (write_all(stdout, *reply + "\n") && std::fflush(stdout) == 0);
  });
  return 0;
}

}  // namespace aegis::cli
