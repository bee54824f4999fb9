// `aegis evaluate`: one decision from a JSON context.
#include <fmt/format.h>

#include "aegis/core/json.h"
#include "aegis/service/decision_service.h"
#include "aegis/service/what_if.h"
#include "aegis/store/store.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

std::string decision_text(const PCWDecision& d) {
  std::string out =
      fmt::format("{}  confidence {:.4f}  decision {}  {}\n", upper(to_string(d.status)),
                  d.confidence, d.decision_id, format_timestamp(d.timestamp));
  if (d.shadow_result) out += "(shadow mode: not enforced)\n";
  out += fmt::format("  {:<11} {:<6} {:>12} {:>12} {:>12}\n", "gate", "result", "value",
                     "threshold", "distance");
  for (const auto& g : d.gate_evaluation->gates) {
    if (!g) continue;
    out += fmt::format("  {:<11} {:<6} {:>12.6g} {:>12.6g} {:>+12.6g}\n", to_string(g->gate_type),
                       g->passed ? "pass" : "FAIL", g->value, g->threshold, g->distance());
  }
  if (d.drift_result) out += "  drift: " + d.drift_result->message() + "\n";
  if (!d.counterfactuals.empty())
    out += "What would pass (one input changed, the others as they are):\n";
  for (const Counterfactual& c : d.counterfactuals) {
    out +=
        fmt::format("  {:<11} {:<32} now {:<12.6g} ", to_string(c.gate), c.input.name(), c.current);
    out += c.required ? fmt::format("needs {} {:.10g}\n", to_string(c.relation), *c.required)
                      : std::string("cannot pass by this input alone\n");
  }
  if (!d.headroom.empty()) out += "Headroom (how far an input of a passing gate may move):\n";
  for (const GateHeadroom& h : d.headroom) {
    out +=
        fmt::format("  {:<11} {:<32} now {:<12.6g} ", to_string(h.gate), h.input.name(), h.current);
    out += h.limit ? fmt::format("passes while {} {:.10g}\n", to_string(h.relation), *h.limit)
                   : std::string("passes over its whole range\n");
  }
  out += "Rationale: " + d.rationale + "\n";
  out += "Next steps:\n";
  for (const auto& s : d.next_steps) out += "  - " + s + "\n";
  for (const auto& c : d.constraints) out += "Constraint: " + c + "\n";
  if (d.override_eligible) {
    out += "Override: eligible, requires";
    for (const auto& r : d.override_requires) out += " " + r;
    out += "\n";
  }
  return out;
}

std::string what_if_text(const WhatIf& w) {
  std::string out = decision_text(w.changed.decision);
  out += fmt::format("What-if: {} -> {}\n", upper(to_string(w.original.decision.status)),
                     upper(to_string(w.changed.decision.status)));
  for (GateType g : kAllGates) {
    const GateResult* a = w.original.decision.gate_evaluation->get(g);
    const GateResult* b = w.changed.decision.gate_evaluation->get(g);
    if (!a || !b || (a->passed == b->passed && a->value == b->value)) continue;
    out +=
        fmt::format("  {:<11} {} {:.6g} -> {} {:.6g}\n", to_string(g), a->passed ? "pass" : "FAIL",
                    a->value, b->passed ? "pass" : "FAIL", b->value);
  }
  return out;
}

// `--what-if`: the context decided as given and with the changes; prints the changed decision
// and the difference; records the changed one only with --record.
int run_what_if(const EvaluateOptions& o, const DecisionService& service, const std::string& text) {
  if (o.shadow || o.drift_baseline)
    return report_error(Error(errors::kCliUsage, "what_if",
                              "--what-if cannot be combined with --shadow or "
                              "--drift-baseline"));
  if (o.record && !service.durable())
    return report_error(Error(errors::kCliUsage, "record", "--record needs --db"));
  auto changes = parse_changes(*o.what_if);
  if (!changes) return report_error(changes.error());
  auto context = read_json(text);
  if (!context) return report_error(context.error());
  ContextParser parser = service.parser({.cli_aliases = true, .cli_defaults = true});
  auto answer = what_if(service, context.value(), changes.value(), parser);
  if (!answer) return report_error(answer.error());
  const WhatIf& w = answer.value();
  if (o.record && !service.record_and_wait({w.changed.entry()}))
    return report_error(
        Error{errors::kCliStore, "db", "the decision could not be stored; it was not printed"});
  const std::string out = o.format == "text" ? what_if_text(w) : w.to_json(o.record) + "\n";
  if (!write_all(stdout, out) || std::fflush(stdout) != 0) return kExitInternal;
  return exit_code_for(w.changed.decision.status);
}

}  // namespace

int run_evaluate(const EvaluateOptions& o) {
  auto config = load_config(o.config);
  if (!config) return report_error(config.error());
  std::unique_ptr<TelemetryEmitter> telemetry;
  try {
    telemetry = make_telemetry(o.telemetry_url, config.value(), std::nullopt);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  auto text = read_input(o.input, kMaxJsonBytes);
  if (!text) return report_error(text.error());

  std::unique_ptr<Store> store;
  try {
    if (o.db) store = Store::open(*o.db);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  // The one decision pipeline: parsed, decided, serialised and recorded as on every surface.
  StoreDecisionService pipeline(config.value(), store.get(), nullptr, telemetry.get());
  const DecisionService& service = pipeline.service;
  if (o.what_if) return run_what_if(o, service, text.value());
  if (o.record)
    return report_error(Error(errors::kCliUsage, "record", "--record is for --what-if"));
  ContextParser parser =
      service.parser({.cli_aliases = true, .cli_defaults = true, .request_fields = true});
  std::optional<DriftMonitor> monitor;
  if (o.drift_baseline) {
    auto loaded = load_drift_baseline(*o.drift_baseline);
    if (!loaded) return report_error(loaded.error());
    try {
      monitor.emplace(config.value().create_drift_monitor());
      monitor->set_baseline(loaded.value());
    } catch (const AegisError& e) {
      return report_error(e.error());
    }
  }
  auto made = service.evaluate(text.value(), parser, o.shadow, monitor ? &*monitor : nullptr);
  if (!made) return report_error(made.error());
  const PCWDecision& d = made.value().decision;
  const bool shadow = d.shadow_result.has_value();
  try {
    // Printed only once durable: a crash after this line cannot lose a shown decision.
    if (!service.record_and_wait({made.value().entry()}))
      return report_error(
          Error{errors::kCliStore, "db", "the decision could not be stored; it was not printed"});
    const std::string out = o.format == "text" ? decision_text(d) : decision_to_json(d) + "\n";
    if (!write_all(stdout, out) || std::fflush(stdout) != 0) {
      std::fprintf(stderr, "aegis: error: cannot write the decision to stdout\n");
      return kExitInternal;
    }
    if (telemetry) close_telemetry(*telemetry);  // after printing
    return shadow ? kExitProceed : exit_code_for(d.status);
  } catch (const AegisError& e) {
    return report_error(e.error());
  } catch (const std::exception&) {
    return report_error(Error{errors::kCliInternal, "", "internal error"});
  }
}

}  // namespace aegis::cli
