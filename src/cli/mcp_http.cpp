// `aegis mcp --transport http`: the MCP streamable HTTP transport on one endpoint, /mcp.
// Requests are answered as application/json; the server offers no SSE stream (GET is 405).
#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <mutex>

#include "aegis/mcp.h"
#include "commands.h"
#include "common.h"
#include "http_server.h"

namespace aegis::cli {
namespace {

httplib::Server* g_server = nullptr;

void stop_on_signal(int) {
  if (g_server) g_server->stop();
}

// A browser page must not reach a local MCP server (DNS rebinding): only local origins pass.
bool local_origin(const std::string& origin) {
  for (const char* ok : {"http://127.0.0.1", "http://localhost", "http://[::1]",
                         "https://127.0.0.1", "https://localhost"}) {
    const std::string prefix(ok);
    if (origin == prefix || origin.rfind(prefix + ":", 0) == 0) return true;
  }
  return false;
}

}  // namespace

int run_mcp_http(McpServer& server, const std::string& host, int port) {
  httplib::Server http;
  std::mutex lock;  // McpServer and its store are used by one thread at a time
  http.Post("/mcp", [&](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Origin") && !local_origin(req.get_header_value("Origin"))) {
      res.status = 403;
      res.set_content(R"({"error":"origin not allowed"})", "application/json");
      return;
    }
    const std::string version = req.get_header_value("MCP-Protocol-Version");
    const auto& supported = McpServer::supported_protocol_versions();
    if (!version.empty() && std::find(supported.begin(), supported.end(), version) ==
                                supported.end()) {
      res.status = 400;  // the transport's rule for a version the server does not speak
      res.set_content(R"({"error":"unsupported MCP-Protocol-Version"})", "application/json");
      return;
    }
    std::optional<std::string> reply;
    {
      std::lock_guard<std::mutex> g(lock);
      reply = server.handle_stateless(req.body, version);
    }
    if (!reply) {
      res.status = 202;  // a notification or a response: accepted, nothing to return
      return;
    }
    res.set_content(*reply, "application/json");
  });
  http.Get("/mcp", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;  // no server-initiated SSE stream
    res.set_header("Allow", "POST");
  });
  http.Delete("/mcp", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;  // stateless: there is no session to end
    res.set_header("Allow", "POST");
  });
  if (!bind_hardened(http, host, port, 1 << 20)) {
    return report_error(Error{ErrorKind::kInvalidInput, "cli.listen", "port",
                              "cannot listen on " + host + ":" + std::to_string(port)});
  }
  g_server = &http;
  std::signal(SIGTERM, stop_on_signal);
  std::signal(SIGINT, stop_on_signal);
  std::fprintf(stderr, "aegis: MCP over HTTP on http://%s:%d/mcp\n", host.c_str(), port);
  http.listen_after_bind();
  g_server = nullptr;
  return 0;
}

}  // namespace aegis::cli
