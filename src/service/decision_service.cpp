#include "aegis/service/decision_service.h"

#include <optional>

#include "aegis/service/errors.h"

namespace aegis {

DecisionService::DecisionService(const AegisConfig& config, DecisionLog* log,
                                 DecisionObserver* metrics, DecisionObserver* telemetry)
    : config_(config),
      evaluator_(config_.create_gate_evaluator()),
      log_(log),
      metrics_(metrics),
      telemetry_(telemetry) {}

ContextParser DecisionService::parser(ContextParseOptions options) const {
  return ContextParser(config_, options);
}

Result<Evaluation> DecisionService::evaluate(std::string_view text, ContextParser& parser,
                                             bool shadow, DriftMonitor* drift) const {
  auto request = parser.parse(text);
  if (!request) return request.error();
  std::optional<DriftMonitor> own;
  if (request.value().drift_baseline_data && drift)
    return Error(errors::kRequestConflict, "drift_baseline_data",
                 "the drift baseline is given both by the request (drift_baseline_data) "
                 "and by the caller (--drift-baseline)");
  if (request.value().drift_baseline_data) {
    try {
      own.emplace(config_.create_drift_monitor());
      own->set_baseline(*request.value().drift_baseline_data);
    } catch (const AegisError& e) {
      Error err = e.error();
      if (err.field.rfind("baseline", 0) == 0)
        err.field = "drift_baseline_data" + err.field.substr(8);
      return err;
    }
    drift = &*own;
  }
  return evaluate(request.value().context, shadow || request.value().shadow, drift);
}

namespace {

// pcw_decide and the decision's wire JSON, errors as values.
Result<Evaluation> decide(const PCWContext& context, const DecideOptions& options) {
  try {
    Evaluation e{pcw_decide(context, options), {}, context.agent_id, context.session_id};
    e.json = decision_to_json(e.decision);
    return e;
  } catch (const AegisError& e) {
    return e.error();
  }
}

}  // namespace

Result<Evaluation> DecisionService::evaluate(const PCWContext& context, bool shadow,
                                             DriftMonitor* drift) const {
  return decide(context, {.gate_evaluator = &evaluator_,
                          .prometheus_exporter = metrics_,
                          .shadow_mode = shadow,
                          .drift_monitor = drift,
                          .telemetry_emitter = telemetry_});
}

Result<Evaluation> DecisionService::probe(const PCWContext& context) const {
  return decide(context, {.gate_evaluator = &evaluator_});
}

void DecisionService::record(std::vector<NewEntry> entries, DecisionLog::Done done) const {
  if (!log_) {
    if (done) done(true);
    return;
  }
  log_->append(std::move(entries), std::move(done));
}

bool DecisionService::record_and_wait(std::vector<NewEntry> entries) const {
  return !log_ || log_->append_and_wait(std::move(entries));
}

}  // namespace aegis
