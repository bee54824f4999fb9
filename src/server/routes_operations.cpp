// GET /health, /metrics, /openapi.json, the dashboard page and its fragment.
#include <nlohmann/json.hpp>

#include "aegis/core/version.h"
#include "aegis/server/dashboard.h"
#include "aegis/server/openapi.h"
#include "aegis/server/report.h"
#include "routes.h"

namespace aegis::server {
namespace {

// GET /health (the store and a self-test of the gates) and GET /metrics.
void add_probe_routes(http::Router& router, const OperationsRoutes& o) {
  using http::Access;
  using http::Caller;
  using http::Reply;
  using http::Request;
  using http::Runs;
  router.add({"GET", "/health", Access::kPublic, "", Runs::kOnWorker,
              [o](Request&, const Caller&, Reply reply) {
                bool store_ok = true;
                try {
                  std::lock_guard<std::mutex> g(o.store_lock);
                  o.store.list_decisions(1, 0);
                } catch (const std::exception&) {
                  store_ok = false;
                }
                const PCWDecision probe = pcw_decide({.agent_id = "health",
                                                      .session_id = "h",
                                                      .proposal_summary = "self-test",
                                                      .estimated_impact = "medium",
                                                      .risk_proposed = 0.3},
                                                     {.gate_evaluator = &o.service.evaluator()});
                const bool gates_ok = probe.status == PCWStatus::HALT;
                const bool ok = store_ok && gates_ok;
                reply(json_response(
                    ok ? 200 : 503,
                    nlohmann::json{{"status", ok ? "ok" : "degraded"},
                                   {"engine_version", kEngineVersion},
                                   {"config_hash", o.config.config_hash()},
                                   {"checks",
                                    {{"store", store_ok ? "ok" : "unreachable"},
                                     {"gates", gates_ok ? "ok" : "wrong self-test decision"}}}}
                        .dump()));
              }});
  // Counts by status and route are operational data: a scraper needs a key (Prometheus:
  // `authorization: {credentials: KEY}` in the scrape config).
  router.add({"GET", "/metrics", Access::kPermission, "read_decisions", Runs::kOnIoThread,
              [o](Request&, const Caller&, Reply reply) {
                if (o.telemetry) {  // events the sinks dropped or failed since the last scrape
                  const uint64_t lost = o.telemetry->lost();
                  const uint64_t before = o.telemetry_lost_counted.exchange(lost);
                  if (lost > before)
                    o.metrics.record_telemetry_dropped(static_cast<double>(lost - before));
                }
                http::Response r = json_response(200, o.metrics.text());
                r.content_type = "text/plain; version=0.0.4";
                reply(std::move(r));
              }});
}

// GET /openapi.json, the dashboard page and its fragment.
void add_page_routes(http::Router& router, const OperationsRoutes& o) {
  using http::Access;
  using http::Caller;
  using http::Reply;
  using http::Request;
  using http::Runs;
  static const std::string openapi = openapi_document();
  router.add({"GET", "/openapi.json", Access::kPublic, "", Runs::kOnIoThread,
              [](Request&, const Caller&, Reply reply) { reply(json_response(200, openapi)); }});
  router.add({"GET", "/", Access::kPublic, "", Runs::kOnIoThread,
              [](Request&, const Caller&, Reply reply) {
                const DashboardPage& page = dashboard_page();
                http::Response r = json_response(200, page.html);
                r.content_type = "text/html; charset=utf-8";
                r.headers = {{"Content-Security-Policy", page.content_security_policy},
                             {"X-Content-Type-Options", "nosniff"}};
                reply(std::move(r));
              }});
  router.add({"GET", "/v1/dashboard", Access::kPermission, "read_decisions", Runs::kOnWorker,
              [o](Request& req, const Caller&, Reply reply) {
                if (auto e = check_query(req, {"decision_id"})) return reply(error_response(*e));
                ReportInput input;
                if (const std::string* id = query_value(req, "decision_id"))
                  input.selected_decision_id = *id;
                const WorkflowResult drift = o.workflows.drift_status();
                if (drift) input.drift = drift.value().body;
                std::vector<AuditEntry> recent;
                try {
                  std::lock_guard<std::mutex> g(o.store_lock);
                  recent = o.store.recent_decisions(500);
                } catch (const AegisError& e) {
                  return reply(error_response(e.error()));
                }
                for (const auto& e : recent)
                  input.decisions.push_back(nlohmann::json::parse(e.body));
                http::Response r = json_response(200, render_report_fragment(input));
                r.content_type = "text/html; charset=utf-8";
                reply(std::move(r));
              }});
}

}  // namespace

void add_operations_routes(http::Router& router, const OperationsRoutes& o) {
  add_probe_routes(router, o);
  add_page_routes(router, o);
}

}  // namespace aegis::server
