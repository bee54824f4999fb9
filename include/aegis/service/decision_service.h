// The one place a decision is made from a request: parse → pcw_decide → serialise → record.
// Every surface calls it — the HTTP API, both MCP transports, the AFA bridge, `aegis evaluate`
// and `--batch` — so a context is read, decided, written and logged the same way everywhere.
// Thread-safe: share one service; give each thread its own ContextParser (parser()).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/core/json.h"
#include "aegis/store/decision_log.h"

namespace aegis {

// A decision and its wire JSON (canonical: stored and answered byte for byte).
struct Evaluation {
  PCWDecision decision;
  std::string json;
  std::string agent_id, session_id;  // the context's: kept beside the decision, for finding it
  NewEntry entry() const {
    return {
        "decision",
        decision.decision_id,
        json,
        {agent_id, session_id, std::string(to_string(decision.status)), decision.failing_gates}};
  }
};

class DecisionService {
 public:
  // Side channels (borrowed, may be null) see every decision; `log` (borrowed, may be null)
  // makes record() durable — without one, record() completes at once and nothing is kept.
  DecisionService(const AegisConfig& config, DecisionLog* log = nullptr,
                  DecisionObserver* metrics = nullptr, DecisionObserver* telemetry = nullptr);

  const AegisConfig& config() const noexcept { return config_; }
  const GateEvaluator& evaluator() const noexcept { return evaluator_; }

  // A parser for one thread, with a surface's reading of the wire format.
  ContextParser parser(ContextParseOptions options) const;

  // Parses and decides one context. A `drift_baseline_data` in the request gets a monitor of
  // its own; otherwise `drift` (borrowed, may be null; not shared between threads) is used.
  // `shadow` forces shadow mode. Errors name the field ("request.conflict" for a request
  // baseline beside `drift`); nothing is recorded.
  Result<Evaluation> evaluate(std::string_view text, ContextParser& parser, bool shadow = false,
                              DriftMonitor* drift = nullptr) const;
  // Decides a context already built (workflow analysis, the AFA bridge).
  Result<Evaluation> evaluate(const PCWContext& context, bool shadow = false,
                              DriftMonitor* drift = nullptr) const;

  // Decides a hypothetical context: no drift monitor and no side channel sees it (what-if).
  Result<Evaluation> probe(const PCWContext& context) const;

  // Makes evaluations durable through the log; `done` runs when they are (or failed).
  void record(std::vector<NewEntry> entries, DecisionLog::Done done) const;
  // The same, waiting: for callers that may block.
  bool record_and_wait(std::vector<NewEntry> entries) const;
  bool durable() const noexcept { return log_ != nullptr; }

 private:
  const AegisConfig config_;
  const GateEvaluator evaluator_;
  DecisionLog* log_;
  DecisionObserver* metrics_;
  DecisionObserver* telemetry_;
};

// A DecisionService with a DecisionLog of its own on `store` (borrowed; null: nothing is
// recorded), for a caller that owns its store: the command, a library or Python caller.
struct StoreDecisionService {
  StoreDecisionService(const AegisConfig& config, Store* store, DecisionObserver* metrics = nullptr,
                       DecisionObserver* telemetry = nullptr)
      : log(store ? std::make_unique<DecisionLog>(*store, store_lock) : nullptr),
        service(config, log.get(), metrics, telemetry) {}
  std::mutex store_lock;  // the store, shared with the log
  std::unique_ptr<DecisionLog> log;
  DecisionService service;
};

}  // namespace aegis
