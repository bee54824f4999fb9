#include "aegis/server/api_server.h"

#include <openssl/rand.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstring>
#include <thread>

#include "aegis/core/version.h"
#include "aegis/crypto/encoding.h"
#include "aegis/crypto/keyfile.h"
#include "aegis/server/errors.h"
#include "http/server.h"
#include "routes.h"

namespace aegis {
namespace {

std::string request_id(const http::Request& req) {
  if (const std::string* given = req.header("x-request-id");
      given && !given->empty() && given->size() <= 128) {
    bool printable = true;
    for (char c : *given) printable = printable && c > 0x20 && c < 0x7f;
    if (printable) return *given;
  }
  // 128 bits: a random half drawn once per thread, and a counter (a getpid() and a lock per
  // RAND_bytes call cost more than the rest of the route for a risk check).
  thread_local uint64_t prefix = 0;
  thread_local uint64_t counter = 0;
  if (prefix == 0 && RAND_bytes(reinterpret_cast<unsigned char*>(&prefix), sizeof prefix) != 1)
    return "unavailable";
  unsigned char b[16];
  const uint64_t n = ++counter;
  std::memcpy(b, &prefix, 8);
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(n >> (56 - 8 * i));
  return crypto::to_hex(b, sizeof b);
}

// create(), step 1: the config's parts into `api`, the store at `db`, then `telemetry` (taken
// only once the store is open), and the attestation key with its checkpoint signer, which signs
// the chain as the server found it. The error, or nullopt.
std::optional<Error> load_context(server::ApiContext& api, ConfigFile&& config,
                                  const std::string& db,
                                  std::unique_ptr<TelemetryEmitter>&& telemetry) {
  api.config = std::move(config.config);
  api.settings = std::move(config.server);
  api.rbac = server_rbac(std::move(config.rbac), api.settings.api_keys);
  api.custodians = std::move(config.custodians);
  api.gateway = std::move(config.gateway);
  api.approval_policy = config.approvals;
  api.sources = std::move(config.sources);
  try {
    api.store = Store::open(db);
  } catch (const AegisError& e) {
    return e.error();
  }
  api.telemetry = std::move(telemetry);
  if (api.settings.attestation_key_file) {
    auto key = crypto::read_ed25519_key_file(*api.settings.attestation_key_file);
    if (!key) {
      Error e = key.error();
      e.field = "server.attestation_key_file";
      return e;
    }
    api.attestation_key = std::make_unique<crypto::Ed25519Key>(std::move(key).value());
    api.checkpoints =
        std::make_unique<CheckpointSigner>(*api.attestation_key, api.settings.checkpoint_every);
    try {
      api.checkpoints->sign(api.store->head());  // the chain as the server found it
    } catch (const AegisError& e) {
      return e.error();
    }
  }
  return std::nullopt;
}

// create(), step 2: the decision log, the services over the store, and the route table, each
// group of routes given only what it uses of `api`.
void wire_context(server::ApiContext& api, http::Router& router) {
  DecisionLog::Committed committed;
  if (api.checkpoints)
    committed = [signer = api.checkpoints.get()](const ChainHead& head) {
      signer->committed(head);
    };
  api.log = std::make_unique<DecisionLog>(*api.store, api.store_lock, 4096, std::move(committed));
  api.service = std::make_unique<DecisionService>(api.config, api.log.get(), &api.metrics,
                                                  api.telemetry.get());
  api.workflows = std::make_unique<WorkflowApi>(api.config, *api.store, api.store_lock, api.rbac,
                                                api.custodians, *api.service, &api.metrics,
                                                api.telemetry.get());
  api.limiter = std::make_unique<RateLimiter>(api.settings.rate_limit_per_minute);
  api.mcp = std::make_unique<McpServer>(*api.service, *api.store, api.store_lock);
  api.approvals =
      std::make_unique<Approvals>(*api.store, api.store_lock, api.rbac, api.approval_policy);
  api.gate = std::make_unique<ContextGate>(api.config, *api.store, api.store_lock, api.rbac,
                                           api.custodians, *api.service, api.approval_policy);
  if (api.sources)
    api.rollouts = std::make_unique<RolloutGate>(*api.sources, *api.service, *api.store,
                                                 api.store_lock, api.approvals.get());

  server::add_decision_routes(router, {.service = *api.service,
                                       .settings = api.settings,
                                       .store = *api.store,
                                       .store_lock = api.store_lock,
                                       .attestation_key = api.attestation_key.get(),
                                       .checkpoints = api.checkpoints.get()});
  server::add_workflow_routes(router, {.workflows = *api.workflows, .rbac = api.rbac});
  server::add_operations_routes(router, {.config = api.config,
                                         .service = *api.service,
                                         .store = *api.store,
                                         .store_lock = api.store_lock,
                                         .workflows = *api.workflows,
                                         .metrics = api.metrics,
                                         .telemetry = api.telemetry.get(),
                                         .telemetry_lost_counted = api.telemetry_lost_counted});
  server::add_mcp_route(router, {.mcp = *api.mcp, .lock = api.mcp_lock, .rbac = api.rbac});
  server::add_approval_routes(router, {.approvals = *api.approvals, .gate = *api.gate});
  server::add_rollout_routes(router, {.gate = api.rollouts.get()});
  server::add_tool_call_routes(
      router,
      {.settings = api.gateway ? &*api.gateway : nullptr,
       .service = *api.service,
       .approvals = *api.approvals,
       .config_hash = gateway_config_hash(*api.service, api.gateway.value_or(GatewaySettings{}))});
  if (api.gateway) {
    api.gateway_sessions = std::make_unique<server::GatewaySessions>(
        *api.gateway, *api.service, *api.store, api.store_lock,
        [&metrics = api.metrics](const std::string& u, const std::string& t, const std::string& s) {
          metrics.record_gateway_call(u, t, s);
        },
        api.approvals.get());
    server::add_gateway_routes(router, "/gateway/mcp", *api.gateway_sessions, true);
  }
}

// create(), step 3: the HTTP server of `router`, with the settings' limits and the hooks: an API
// key, RBAC and its rate limit admit a request; /mcp checks Origin and Host against
// `*listen_host` (read per request: listen() sets it later; it outlives the server); each
// response gets the common headers and is counted.
std::unique_ptr<http::Server> serve_with_hooks(server::ApiContext& api, const http::Router& router,
                                               const std::string* listen_host) {
  const ServerSettings& set = api.settings;
  http::Limits limits{.request_timeout = std::chrono::milliseconds(set.request_timeout_ms),
                      .idle_timeout = std::chrono::milliseconds(set.idle_timeout_ms),
                      .max_header_bytes = set.max_header_bytes,
                      .max_header_fields = set.max_header_fields,
                      .max_body_bytes = set.max_body_bytes,
                      .max_connections = set.max_connections,
                      .max_connections_per_peer = set.max_connections_per_peer,
                      .reserved_connections = set.reserved_connections};
  http::Hooks hooks;
  hooks.admit = [&api](const http::Request& req,
                       const http::Route& route) -> std::variant<http::Caller, http::Response> {
    const std::string* header = req.header("authorization");
    std::optional<std::string> credential;
    if (header && req.header_count("authorization") == 1) {
      if (auto bearer = bearer_credential(*header))
        credential = std::string(*bearer);
      else if (route.pattern.starts_with("/v1/integrations/"))
        credential = basic_password(*header);  // clients that can only put the key in the URL
    }
    if (!credential)
      return server::error_response(
          Error(errors::kServerUnauthorized, "",
                "an API key is required: one header Authorization: Bearer <key>"));
    const ApiKey* key = find_api_key(api.settings.api_keys, *credential);
    if (!key)
      return server::error_response(Error(errors::kServerBadKey, "", "the API key is not valid"));
    if (route.access == http::Access::kPermission) {
      if (auto denied = api.rbac.check(key->actor_id, route.permission))
        return server::error_response(*denied);
    }
    const RateLimiter::Decision rate = api.limiter->take(key->key_sha256);
    if (!rate.allowed) {
      http::Response r = server::error_response(
          Error(errors::kServerRateLimited, "", "too many requests for this API key"));
      r.headers.emplace_back("Retry-After", std::to_string(rate.retry_after_seconds));
      return r;
    }
    http::Caller caller{key->actor_id, {}};
    if (rate.remaining)
      caller.headers.emplace_back("X-AEGIS-Rate-Remaining", std::to_string(*rate.remaining));
    return caller;
  };
  hooks.check = [host = listen_host](const http::Request& req,
                                     const http::Route& route) -> std::optional<http::Response> {
    if (route.pattern == "/mcp" || route.pattern == "/gateway/mcp")
      return server::check_mcp_origin(req, *host);
    return std::nullopt;
  };
  hooks.finish = [&api](const http::Request& req, const std::string& label, http::Response& r) {
    r.headers.emplace_back("X-AEGIS-Version", kEngineVersion);
    r.headers.emplace_back("X-Request-Id", request_id(req));
    api.metrics.record_http_request(label, r.status);
  };
  return std::make_unique<http::Server>(router, limits, std::move(hooks));
}

}  // namespace

struct ApiServer::Impl {
  server::ApiContext api;
  http::Router router;
  std::unique_ptr<http::Server> http;
  std::string listen_host;
};

ApiServer::ApiServer() : impl_(std::make_unique<Impl>()) {}
ApiServer::~ApiServer() = default;

Result<std::unique_ptr<ApiServer>> ApiServer::create(ConfigFile config, const std::string& db,
                                                     std::unique_ptr<TelemetryEmitter> telemetry) {
  std::unique_ptr<ApiServer> s(new ApiServer());
  Impl& impl = *s->impl_;
  if (auto e = load_context(impl.api, std::move(config), db, std::move(telemetry)))
    return std::move(*e);
  wire_context(impl.api, impl.router);
  impl.http = serve_with_hooks(impl.api, impl.router, &impl.listen_host);
  return s;
}

std::optional<Error> ApiServer::listen(const std::string& host, int port,
                                       const std::optional<std::string>& tls_cert,
                                       const std::optional<std::string>& tls_key) {
  impl_->listen_host = host;
  std::optional<http::TlsFiles> tls;
  if (tls_cert) tls = http::TlsFiles{*tls_cert, tls_key.value_or("")};
  if (auto e = impl_->http->listen(host, port, tls)) {
    if (tls && e->find("TLS") != std::string::npos)
      return Error(errors::kServerTls, "tls_cert",
                   "cannot load the TLS certificate and key (--tls-cert " + *tls_cert +
                       ", --tls-key " + tls_key.value_or("") + ")");
    return Error(errors::kServerListen, "listen",
                 "cannot listen on " + host + ":" + std::to_string(port) + ": " + *e);
  }
  return std::nullopt;
}

void ApiServer::run() {
  // SIGTERM and SIGINT stop the server: it finishes what is in flight and commits what it
  // answered (the decision log drains when the context goes).
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGTERM, SIGINT);
  signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) stop();
  });
  std::thread signal_thread([&signals_ioc] { signals_ioc.run(); });
  const ServerSettings& set = impl_->api.settings;
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  impl_->http->run(set.io_threads ? set.io_threads : cores, set.workers);
  signals_ioc.stop();
  signal_thread.join();
  server::ApiContext& api = impl_->api;
  if (api.checkpoints) {  // the last checkpoint, of the chain as the server leaves it
    try {
      std::lock_guard<std::mutex> g(api.store_lock);
      api.checkpoints->sign(api.store->head());
    } catch (const AegisError&) {
      // the store is gone: the latest checkpoint stays the one signed before
    }
  }
  if (impl_->api.telemetry) impl_->api.telemetry->close();  // bounded by the sink's timeout
}

void ApiServer::stop() { impl_->http->stop(); }

std::optional<std::string> ApiServer::latest_checkpoint() const {
  return impl_->api.checkpoints ? impl_->api.checkpoints->latest() : std::nullopt;
}

std::vector<ApiServer::RouteInfo> ApiServer::routes() const {
  std::vector<RouteInfo> out;
  for (const http::Route& r : impl_->router.routes())
    out.push_back({r.method, r.pattern, r.permission});
  return out;
}

}  // namespace aegis

namespace aegis {

// Serves `router` alone on HOST:PORT with the Origin/Host checks of MCP, until SIGTERM or SIGINT.
static std::optional<Error> serve_alone(const http::Router& router, const std::string& host,
                                        int port, const char* what, http::Limits limits = {}) {
  http::Hooks hooks;
  hooks.check = [&host](const http::Request& req, const http::Route&) {
    return server::check_mcp_origin(req, host);
  };
  http::Server http(router, limits, std::move(hooks));
  if (auto e = http.listen(host, port))
    return Error(errors::kServerListen, "port",
                 "cannot listen on " + host + ":" + std::to_string(port) + ": " + *e);
  std::fprintf(stderr, "aegis: %s over HTTP on http://%s:%d/mcp\n", what, host.c_str(), port);
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGTERM, SIGINT);
  signals.async_wait([&http](const boost::system::error_code& ec, int) {
    if (!ec) http.stop();
  });
  std::thread signal_thread([&signals_ioc] { signals_ioc.run(); });
  http.run(2, 1);
  signals_ioc.stop();
  signal_thread.join();
  return std::nullopt;
}

std::optional<Error> serve_mcp_over_http(McpServer& mcp, const std::string& host, int port) {
  std::mutex lock;  // McpServer serves one message at a time
  http::Router router;
  server::add_mcp_routes(router, mcp, lock, nullptr);
  return serve_alone(router, host, port, "MCP");
}

std::optional<Error> serve_gateway_over_http(const GatewaySettings& settings,
                                             const DecisionService& service, Store& store,
                                             std::mutex& store_lock, const std::string& host,
                                             int port, Approvals* approvals) {
  server::GatewaySessions sessions(settings, service, store, store_lock, {}, approvals);
  http::Router router;
  server::add_gateway_routes(router, "/mcp", sessions, false);
  // Every client of a local-only listener is the one loopback peer: no per-peer share.
  http::Limits limits;
  limits.max_connections_per_peer = limits.max_connections;
  return serve_alone(router, host, port, "the MCP gateway", limits);
}

}  // namespace aegis
