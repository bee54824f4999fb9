// Prometheus metrics (docs/interfaces.md#telemetry-and-metrics) on prometheus-cpp.
// PrometheusExporter is a decision side channel (pass it to pcw_decide as prometheus_exporter); all
// methods are thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aegis/core/decide.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace aegis {

class PrometheusExporter : public DecisionObserver {
 public:
  PrometheusExporter();
  ~PrometheusExporter() override;

  // aegis_decisions_total{status,phase,shadow}, aegis_gate_evaluations_total{gate,result},
  // aegis_decision_latency_seconds, aegis_drift_kl_divergence.
  void on_decision(const PCWContext& context, const PCWDecision& decision) override;
  // The same from a decision's wire JSON (replaying a store).
  void on_decision_json(const nlohmann::json& decision);
  void record_override(std::string_view outcome);              // aegis_overrides_total{outcome}
  void record_drift(double kl_divergence);                     // aegis_drift_kl_divergence
  void record_http_request(std::string_view route, int code);  // aegis_http_requests_total
  void record_telemetry_dropped(double count = 1);             // ..._events_dropped_total
  // aegis_gateway_calls_total{upstream,tool,status}: the MCP gateway's calls, by outcome.
  void record_gateway_call(std::string_view upstream, std::string_view tool,
                           std::string_view status);

  // The Prometheus text exposition format (what /metrics serves).
  std::string text() const;
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  void record(std::string_view status, std::string_view phase, bool shadow,
              const nlohmann::json* gates_json, const GateEvaluationResult* gates,
              double latency_seconds, std::optional<double> kl);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* decisions_;
  prometheus::Family<prometheus::Counter>* gates_;
  prometheus::Family<prometheus::Counter>* overrides_;
  prometheus::Family<prometheus::Counter>* http_;
  prometheus::Family<prometheus::Counter>* gateway_;
  // The counter of each "route code" seen, so that a request builds no labels.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::mutex http_lock_;
  std::unordered_map<std::string, prometheus::Counter*, Hash, std::equal_to<>> http_counters_;
  prometheus::Counter* dropped_;
  prometheus::Histogram* latency_;
  prometheus::Gauge* kl_;
};

}  // namespace aegis
