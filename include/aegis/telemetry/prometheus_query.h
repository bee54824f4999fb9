// Instant queries against a Prometheus server's HTTP API (POST /api/v1/query): the measurements
// a rollout's context is computed from (docs/rollouts.md#measurements). A query yields one finite
// number or the reason it does not — a timeout, no series, several series, NaN or Inf, an error
// of the server — and never a guess. Thread-safe: each thread queries through its own libcurl
// handle, which keeps its connections alive between queries.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace aegis {

// One query's outcome: a value, or why there is none ("no series", "3 series where one is
// expected", "NaN", "timed out after 2000 ms", ...).
struct Measurement {
  std::optional<double> value;
  std::string gap;                      // empty when value is set
  std::chrono::microseconds elapsed{};  // the exchange with the server (connect to last byte)
};

// The API's answer (HTTP status and body) as a measurement: a vector of exactly one sample or a
// scalar, whose value is a finite number. Pure; the client below calls it.
Measurement read_query_answer(long http_status, std::string_view body);

class PrometheusClient {
 public:
  // `base_url`: the server's root (http://host:9090, or a path prefix it is served under).
  PrometheusClient(std::string base_url, std::chrono::milliseconds timeout);

  // Runs `promql` as an instant query at the server's present time. Blocks for at most the
  // timeout; a connection or transfer failure is a gap naming it.
  Measurement query(std::string_view promql) const;

  const std::string& base_url() const noexcept { return base_url_; }

 private:
  std::string base_url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace aegis
