// The HTTP API of `aegis serve` (docs/interfaces.md#http-api): every route of the decision engine,
// the workflows, the dashboard, metrics and MCP over streamable HTTP at /mcp, on the event-driven
// HTTP server, with API keys, RBAC per route and per-key rate limits from the config file.
// Decisions are answered once the decision log has made them durable. One ApiServer per process;
// run() on one thread, stop() from any.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/server/server_config.h"
#include "aegis/service/decision_service.h"
#include "aegis/telemetry/telemetry.h"

namespace aegis {

class ApiServer {
 public:
  // Serves `config` (load_config_file: read and checked whole before this is called), opening
  // the store at `db` ("sqlite:PATH" or a PostgreSQL URL). `telemetry` (may be null) gets the
  // server's events.
  static Result<std::unique_ptr<ApiServer>> create(ConfigFile config, const std::string& db,
                                                   std::unique_ptr<TelemetryEmitter> telemetry);
  ~ApiServer();

  // Binds HOST:PORT, serving HTTPS with a PEM certificate and key when given; the error, or
  // nullopt.
  std::optional<Error> listen(const std::string& host, int port,
                              const std::optional<std::string>& tls_cert = std::nullopt,
                              const std::optional<std::string>& tls_key = std::nullopt);
  // Serves until stop(), SIGTERM or SIGINT; then finishes the requests in flight, commits what
  // they answered and returns.
  void run();
  void stop();
  // The latest audit checkpoint the server signed (server.attestation_key_file), as JSON: after
  // run() returns, the one of the chain as the server left it.
  std::optional<std::string> latest_checkpoint() const;

  // The route table: (method, path pattern, permission or "" for public / any key), as the
  // server dispatches, authorizes and labels requests; /openapi.json describes exactly these.
  struct RouteInfo {
    std::string method, pattern, permission;
  };
  std::vector<RouteInfo> routes() const;

 private:
  ApiServer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class McpServer;

// Serves `mcp` alone over streamable HTTP at http://HOST:PORT/mcp (`aegis mcp --transport
// http`): local Origins and Hosts only, no API keys, until SIGTERM or SIGINT. The error, or
// nullopt after a clean stop.
std::optional<Error> serve_mcp_over_http(McpServer& mcp, const std::string& host, int port);

// Serves the MCP gateway alone over Streamable HTTP at http://HOST:PORT/mcp (`aegis gateway
// --listen`): a session per `initialize`, local Origins and Hosts only, no API keys (the principal
// is the config's), until SIGTERM or SIGINT. Everything borrowed.
std::optional<Error> serve_gateway_over_http(const GatewaySettings& settings,
                                             const DecisionService& service, Store& store,
                                             std::mutex& store_lock, const std::string& host,
                                             int port, Approvals* approvals = nullptr);

}  // namespace aegis
