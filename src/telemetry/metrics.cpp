#include "aegis/telemetry/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cstdio>

namespace aegis {

PrometheusExporter::PrometheusExporter() : registry_(std::make_shared<prometheus::Registry>()) {
  decisions_ = &prometheus::BuildCounter()
                    .Name("aegis_decisions_total")
                    .Help("Governance decisions by status, phase and shadow mode")
                    .Register(*registry_);
  gates_ = &prometheus::BuildCounter()
                .Name("aegis_gate_evaluations_total")
                .Help("Gate evaluations by gate and result")
                .Register(*registry_);
  overrides_ = &prometheus::BuildCounter()
                    .Name("aegis_overrides_total")
                    .Help("Two-key override outcomes")
                    .Register(*registry_);
  http_ = &prometheus::BuildCounter()
               .Name("aegis_http_requests_total")
               .Help("HTTP requests by route and status code")
               .Register(*registry_);
  gateway_ = &prometheus::BuildCounter()
                  .Name("aegis_gateway_calls_total")
                  .Help("MCP gateway tool calls by upstream, tool and outcome")
                  .Register(*registry_);
  dropped_ = &prometheus::BuildCounter()
                  .Name("aegis_telemetry_events_dropped_total")
                  .Help("Telemetry events that could not be delivered")
                  .Register(*registry_)
                  .Add({});
  latency_ = &prometheus::BuildHistogram()
                  .Name("aegis_decision_latency_seconds")
                  .Help("Time to evaluate one decision")
                  .Register(*registry_)
                  .Add({}, prometheus::Histogram::BucketBoundaries{1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6,
                                                                   5e-6, 1e-5, 1e-4, 1e-3, 1e-2});
  kl_ = &prometheus::BuildGauge()
             .Name("aegis_drift_kl_divergence")
             .Help("Latest KL divergence of the drift window against its baseline")
             .Register(*registry_)
             .Add({});
}

PrometheusExporter::~PrometheusExporter() = default;

void PrometheusExporter::record(std::string_view status, std::string_view phase, bool shadow,
                                const nlohmann::json* gates_json, const GateEvaluationResult* gates,
                                double latency_seconds, std::optional<double> kl) {
  decisions_
      ->Add({{"status", std::string(status)},
             {"phase", std::string(phase)},
             {"shadow", shadow ? "true" : "false"}})
      .Increment();
  if (gates) {
    for (const auto& g : gates->gates) {
      if (!g) continue;
      gates_
          ->Add({{"gate", std::string(to_string(g->gate_type))},
                 {"result", g->passed ? "pass" : "fail"}})
          .Increment();
    }
  } else if (gates_json) {
    for (const auto& [name, g] : gates_json->items())
      gates_->Add({{"gate", name}, {"result", g.value("passed", false) ? "pass" : "fail"}})
          .Increment();
  }
  latency_->Observe(latency_seconds);
  if (kl) kl_->Set(*kl);
}

void PrometheusExporter::on_decision(const PCWContext& context, const PCWDecision& d) {
  const double latency =
      d.decision_trace ? static_cast<double>(d.decision_trace->evaluation_time_ns) * 1e-9 : 0.0;
  std::optional<double> kl;
  if (d.drift_result && d.drift_result->status != DriftStatus::INSUFFICIENT_DATA)
    kl = d.drift_result->kl_divergence;
  record(to_string(d.status), to_string(context.phase), d.shadow_result.has_value(), nullptr,
         d.gate_evaluation ? &*d.gate_evaluation : nullptr, latency, kl);
}

void PrometheusExporter::on_decision_json(const nlohmann::json& d) {
  const auto& trace = d.at("decision_trace");
  std::optional<double> kl;
  if (d.contains("drift_result") && d["drift_result"].is_object() &&
      d["drift_result"]["status"] != "insufficient_data")
    kl = d["drift_result"]["kl_divergence"].get<double>();
  const nlohmann::json* gates = nullptr;
  if (d.contains("gate_evaluation") && d["gate_evaluation"].is_object())
    gates = &d["gate_evaluation"]["gates"];
  record(d.at("status").get<std::string>(), trace.value("phase", "unknown"),
         d.contains("shadow_result") && d["shadow_result"].is_object(), gates, nullptr,
         trace.value("evaluation_time_ns", 0) * 1e-9, kl);
}

void PrometheusExporter::record_override(std::string_view outcome) {
  overrides_->Add({{"outcome", std::string(outcome)}}).Increment();
}

void PrometheusExporter::record_drift(double kl_divergence) { kl_->Set(kl_divergence); }

void PrometheusExporter::record_gateway_call(std::string_view upstream, std::string_view tool,
                                             std::string_view status) {
  gateway_
      ->Add({{"upstream", std::string(upstream)},
             {"tool", std::string(tool)},
             {"status", std::string(status)}})
      .Increment();
}

void PrometheusExporter::record_http_request(std::string_view route, int code) {
  char key[192];
  const int n =
      std::snprintf(key, sizeof key, "%.*s %d", static_cast<int>(route.size()), route.data(), code);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof key) {  // a label this long is never a route
    http_->Add({{"route", std::string(route)}, {"code", std::to_string(code)}}).Increment();
    return;
  }
  const std::string_view k(key, static_cast<size_t>(n));
  prometheus::Counter* counter;
  {
    std::lock_guard<std::mutex> g(http_lock_);
    auto it = http_counters_.find(k);
    if (it == http_counters_.end())
      it =
          http_counters_
              .emplace(std::string(k),
                       &http_->Add({{"route", std::string(route)}, {"code", std::to_string(code)}}))
              .first;
    counter = it->second;
  }
  counter->Increment();
}

void PrometheusExporter::record_telemetry_dropped(double count) { dropped_->Increment(count); }

std::string PrometheusExporter::text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace aegis
