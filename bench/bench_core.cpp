// Core benchmarks (Google Benchmark) plus a per-call latency distribution for pcw_decide.
// `aegis_bench --latency_out=FILE` also writes {"p50_ns", "p99_ns", ...} for BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include "aegis/core/decide.h"
#include "aegis/core/json.h"

namespace {

using namespace aegis;

PCWContext sample_context() {
  return PCWContext{.agent_id = "deploy-bot",
                    .session_id = "deploy-123",
                    .phase = PCWPhase::COMMIT,
                    .proposal_summary = "Deploy v2.5 to production",
                    .estimated_impact = "medium",
                    .risk_baseline = 0.1,
                    .risk_proposed = 0.15,
                    .profit_baseline = 1000.0,
                    .profit_proposed = 1200.0,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.9};
}

// One context per status, so that the figures cover the paths that build long rationales.
std::vector<PCWContext> status_mix() {
  PCWContext proceed = sample_context();
  PCWContext pause = sample_context();
  pause.reversible = false;
  PCWContext halt = sample_context();
  halt.risk_proposed = 0.45;
  halt.novelty_score = 0.3;
  PCWContext escalate = halt;
  escalate.estimated_impact = "critical";
  escalate.quality_subscores = {0.9, 0.0, 0.8};
  return {proceed, pause, halt, escalate};
}

std::vector<double> baseline() {
  std::vector<double> v;
  for (int i = 0; i < 100; ++i) v.push_back(0.1 + 0.001 * (i % 37));
  return v;
}

void BM_EvaluateAll(benchmark::State& state) {
  const GateEvaluator eval;
  const std::vector<double> subs = {0.9, 0.7, 0.8};
  GateInputs in{.risk_baseline = 0.1,
                .risk_proposed = 0.15,
                .profit_baseline = 100,
                .profit_proposed = 120,
                .novelty_score = 0.85,
                .complexity_score = 0.7,
                .quality_score = 0.8,
                .quality_subscores = subs};
  double x = 0;
  for (auto _ : state) {
    in.risk_proposed = 0.15 + x;  // defeat hoisting
    x = x == 0 ? 1e-9 : 0;
    benchmark::DoNotOptimize(eval.evaluate_all(in));
  }
}
BENCHMARK(BM_EvaluateAll);

void BM_PcwDecide(benchmark::State& state) {
  const GateEvaluator eval;
  const PCWContext ctx = sample_context();
  for (auto _ : state) benchmark::DoNotOptimize(pcw_decide(ctx, {.gate_evaluator = &eval}));
}
BENCHMARK(BM_PcwDecide);

void BM_PcwDecideStatusMix(benchmark::State& state) {
  const GateEvaluator eval;
  const std::vector<PCWContext> mix = status_mix();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pcw_decide(mix[i], {.gate_evaluator = &eval}));
    i = (i + 1) & 3;
  }
}
BENCHMARK(BM_PcwDecideStatusMix);

void BM_PcwDecideWithDrift(benchmark::State& state) {
  const GateEvaluator eval;
  const PCWContext ctx = sample_context();
  DriftMonitor monitor;
  monitor.set_baseline(baseline());
  for (auto _ : state) {
    benchmark::DoNotOptimize(pcw_decide(ctx, {.gate_evaluator = &eval, .drift_monitor = &monitor}));
    if (monitor.window_size() > 100000) {
      state.PauseTiming();
      monitor.set_baseline(baseline());
      monitor = DriftMonitor();
      monitor.set_baseline(baseline());
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_PcwDecideWithDrift);

void BM_DriftAddEvaluate(benchmark::State& state) {
  DriftMonitor monitor;
  monitor.set_baseline(baseline());
  double v = 0.1;
  for (auto _ : state) {
    monitor.add_observation(v);
    benchmark::DoNotOptimize(monitor.evaluate());
    v = v > 0.2 ? 0.1 : v + 0.003;
    if (monitor.window_size() > 100000) {
      state.PauseTiming();
      monitor = DriftMonitor();
      monitor.set_baseline(baseline());
      state.ResumeTiming();
    }
  }
}
BENCHMARK(BM_DriftAddEvaluate);

const char* kContextJson =
    R"({"agent_id":"deploy-bot","session_id":"deploy-123","phase":"commit",)"
    R"("proposal_summary":"Deploy v2.5 to production","estimated_impact":"medium",)"
    R"("risk_baseline":0.1,"risk_proposed":0.15,"profit_baseline":1000,"profit_proposed":1200,)"
    R"("novelty_score":0.8,"complexity_score":0.8,"quality_score":0.9,)"
    R"("quality_subscores":[0.9,0.8,0.85]})";

void BM_JsonParseDecideSerialise(benchmark::State& state) {
  ContextParser parser;
  const GateEvaluator eval;
  std::string out;
  const std::string_view in(kContextJson);
  for (auto _ : state) {
    auto req = parser.parse(in);
    out.clear();
    append_decision_json(out, pcw_decide(req.value().context, {.gate_evaluator = &eval}));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_JsonParseDecideSerialise);

void BM_JsonParse(benchmark::State& state) {
  ContextParser parser;
  const std::string_view in(kContextJson);
  for (auto _ : state) benchmark::DoNotOptimize(parser.parse(in));
}
BENCHMARK(BM_JsonParse);

void BM_DecisionSerialise(benchmark::State& state) {
  const PCWDecision d = pcw_decide(sample_context());
  std::string out;
  for (auto _ : state) {
    out.clear();
    append_decision_json(out, d);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_DecisionSerialise);

// Times each call on its own, cycling through one context per status: the distribution, not
// just the mean. The two clock reads (~20-40 ns) are included in every sample.
void write_latency(const char* path) {
  const GateEvaluator eval;
  const std::vector<PCWContext> mix = status_mix();
  constexpr int kWarmup = 20000, kSamples = 200000;
  for (int i = 0; i < kWarmup; ++i)
    benchmark::DoNotOptimize(pcw_decide(mix[i & 3], {.gate_evaluator = &eval}));
  std::vector<int64_t> ns(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(pcw_decide(mix[i & 3], {.gate_evaluator = &eval}));
    ns[i] =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return ns[static_cast<size_t>(p * (kSamples - 1))]; };
  std::ofstream(path) << "{\"samples\":" << kSamples << ",\"p50_ns\":" << pct(0.5)
                      << ",\"p90_ns\":" << pct(0.9) << ",\"p99_ns\":" << pct(0.99)
                      << ",\"p999_ns\":" << pct(0.999) << "}\n";
}

}  // namespace

int main(int argc, char** argv) {
  const char* latency_out = nullptr;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--latency_out=", 14) == 0) {
      latency_out = argv[i] + 14;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (latency_out) write_latency(latency_out);
  return 0;
}
