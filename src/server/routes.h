// Internal: what the routes of `aegis serve` share, and the functions that add each group of
// routes to the table. Each route adapter only turns HTTP into a call below and back.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aegis/crypto/ed25519.h"
#include "aegis/server/gateway.h"
#include "aegis/server/http_auth.h"
#include "aegis/server/mcp.h"
#include "aegis/server/server_config.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/audit_checkpoint.h"
#include "aegis/store/decision_log.h"
#include "aegis/store/store.h"
#include "aegis/telemetry/metrics.h"
#include "aegis/telemetry/telemetry.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/context_gate.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/rbac.h"
#include "aegis/workflow/rollout_gate.h"
#include "aegis/workflow/workflow_api.h"
#include "http/message.h"
#include "http/router.h"

namespace aegis::server {

class GatewaySessions;  // below

// Everything `aegis serve` owns; each group of routes borrows what it uses (DecisionRoutes, ...).
struct ApiContext {
  AegisConfig config;
  ServerSettings settings;
  RBACEnforcer rbac;
  CustodianRegistry custodians;
  std::unique_ptr<Store> store;
  std::mutex store_lock;
  std::unique_ptr<crypto::Ed25519Key> attestation_key;  // server.attestation_key_file, if any
  std::unique_ptr<CheckpointSigner> checkpoints;        // with that key
  // The store, for reads and workflow steps; the log takes it to commit.
  std::unique_ptr<DecisionLog> log;
  PrometheusExporter metrics;
  std::unique_ptr<TelemetryEmitter> telemetry;
  std::unique_ptr<DecisionService> service;
  std::unique_ptr<WorkflowApi> workflows;
  std::unique_ptr<RateLimiter> limiter;
  std::mutex mcp_lock;  // McpServer is used by one request at a time
  std::unique_ptr<McpServer> mcp;
  std::optional<GatewaySettings> gateway;  // the config's gateway: section, mounted at /gateway/mcp
  ApprovalPolicy approval_policy;          // the config's approvals: section
  std::unique_ptr<Approvals> approvals;    // held tool calls and their approvers' answers
  std::unique_ptr<ContextGate> gate;       // POST /v1/gate
  std::unique_ptr<GatewaySessions> gateway_sessions;
  std::optional<RolloutSources> sources;  // the config's sources: section
  std::unique_ptr<RolloutGate> rollouts;  // the rollout gates, with a sources: section
  std::atomic<uint64_t> telemetry_lost_counted{0};
};

// An error as its HTTP response ({"error": {...}}), with its kind's status (kErrorKinds).
http::Response error_response(const Error& e);
http::Response json_response(int status, std::string body);
// A workflow step's typed result as its HTTP response.
http::Response workflow_response(const WorkflowResult& r);

// What each group of routes uses, borrowed from the ApiContext that owns it (and outlives the
// router); each route keeps a copy of its group's struct.

// Evaluate, batch, what-if, risk, AFA, the stored decisions, attestations and checkpoints.
struct DecisionRoutes {
  const DecisionService& service;
  const ServerSettings& settings;  // max_batch_items
  Store& store;                    // used under store_lock
  std::mutex& store_lock;
  const crypto::Ed25519Key* attestation_key;  // null without server.attestation_key_file
  const CheckpointSigner* checkpoints;        // null without server.attestation_key_file
};
// Proposals, overrides, consensus and drift.
struct WorkflowRoutes {
  WorkflowApi& workflows;
  const RBACEnforcer& rbac;  // each proposal step's own permission
};
// Health, metrics, the OpenAPI document, the dashboard page and its fragment.
struct OperationsRoutes {
  const AegisConfig& config;       // its hash, for /health
  const DecisionService& service;  // its gate evaluator, for the self-test of /health
  Store& store;                    // used under store_lock
  std::mutex& store_lock;
  WorkflowApi& workflows;  // the drift status, for the dashboard
  PrometheusExporter& metrics;
  TelemetryEmitter* telemetry;  // may be null
  std::atomic<uint64_t>& telemetry_lost_counted;
};
// GET /v1/approvals, GET /v1/approvals/{id}, POST /v1/approvals/{id}/approve|deny.
// And POST /v1/gate: the CI gate's decision with the approvals of its context.
struct ApprovalRoutes {
  Approvals& approvals;
  ContextGate& gate;
};
// POST /v1/tool-calls/decide and POST /v1/integrations/docker-mcp: other gateways ask.
struct ToolCallRoutes {
  const GatewaySettings* settings;  // the config's gateway: section; null without one
  const DecisionService& service;
  Approvals& approvals;
  std::string config_hash;  // gateway_config_hash of the two
};
// GET and POST /v1/integrations/argo-rollouts, POST /v1/integrations/flagger/{hook}.
struct RolloutRoutes {
  RolloutGate* gate;  // null without a sources: section (the routes answer rollout.not_configured)
};
// POST and DELETE /mcp, with the API keys and RBAC.
struct McpRoutes {
  McpServer& mcp;
  std::mutex& lock;  // mcp is used under it
  const RBACEnforcer& rbac;
};

void add_decision_routes(http::Router& router, const DecisionRoutes& d);
void add_workflow_routes(http::Router& router, const WorkflowRoutes& wf);
void add_operations_routes(http::Router& router, const OperationsRoutes& o);
void add_mcp_route(http::Router& router, const McpRoutes& m);
void add_approval_routes(http::Router& router, const ApprovalRoutes& a);
void add_tool_call_routes(http::Router& router, const ToolCallRoutes& t);
void add_rollout_routes(http::Router& router, const RolloutRoutes& r);

// POST /mcp (a message; Mcp-Session-Id on the answer that opens a session) and DELETE /mcp (ends
// the session named): `mcp` used under `lock`. With `rbac`, the routes need an API key and tools
// are called as its actor; without, they are public (`aegis mcp --transport http`).
void add_mcp_routes(http::Router& router, McpServer& mcp, std::mutex& lock,
                    const RBACEnforcer* rbac);

// The MCP gateway's HTTP sessions (routes_gateway.cpp): each `initialize` opens one, a Gateway of
// its own with the caller as its principal; at most 256 (the least recently used ends first),
// ended by DELETE, or after 30 idle minutes (when next used, or when another session opens).
// Requests are answered as application/json; the upstreams' requests to the client are answered for
// it with an error (no server-sent stream). A session always ends on an HTTP worker, outside the
// table's lock.
class GatewaySessions {
 public:
  // Everything borrowed; `observer` (may be empty) sees each call's outcome.
  // `approvals` (may be null) holds the calls that need a person (Gateway::set_approvals).
  GatewaySessions(const GatewaySettings& settings, const DecisionService& service, Store& store,
                  std::mutex& store_lock, Gateway::CallObserver observer = {},
                  Approvals* approvals = nullptr);
  ~GatewaySessions();
  void post(http::Request& request, const std::string& actor, http::Reply reply);
  bool end(const std::string& session_id, const std::string& actor);

 private:
  struct Session;
  void open(const std::string& actor, const http::Request& request, const nlohmann::json& id,
            http::Reply reply);
  std::shared_ptr<Session> take_oldest();
  const GatewaySettings& settings_;
  const DecisionService& service_;
  Store& store_;
  std::mutex& store_lock_;
  Gateway::CallObserver observer_;
  Approvals* approvals_;
  std::mutex lock_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};
// POST and DELETE `path` for the gateway's sessions: with `keys`, an API key whose actor may
// `decide` (the actor is the calls' principal); without, public (the own listener).
void add_gateway_routes(http::Router& router, const std::string& path, GatewaySessions& sessions,
                        bool keys);

// Origin and Host of an MCP request over HTTP (DNS rebinding): the Origin, when sent, must be an
// http(s) URL of a loopback host, nothing else (no user info, path or odd byte); the Host a
// loopback name or `listen_host`, with an optional port; both compared without regard to case.
// A refusal, or nullopt.
std::optional<http::Response> check_mcp_origin(const http::Request& request,
                                               const std::string& listen_host);

}  // namespace aegis::server

namespace aegis::server {

// The query of a GET: only `allowed` names, each at most once (an error naming the parameter
// otherwise).
std::optional<Error> check_query(const http::Request& request,
                                 std::initializer_list<std::string_view> allowed);
// An integer query parameter: whole decimal digits within [lo, hi]; `fallback` when absent.
Result<int64_t> query_integer(const http::Request& request, std::string_view name, int64_t fallback,
                              int64_t lo, int64_t hi);
const std::string* query_value(const http::Request& request, std::string_view name);
// A time query parameter: RFC 3339 UTC as stored ("2026-12-02T21:08:01.123Z") or cut after the
// day, minute or second, a final Z optional (every stored time is UTC); "" when absent. Returned
// without the Z, so that it compares with stored times as text.
Result<std::string> query_time(const http::Request& request, std::string_view name);

}  // namespace aegis::server
