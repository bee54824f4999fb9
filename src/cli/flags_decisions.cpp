// Flags of `aegis evaluate` (one context, --what-if, --batch) and `aegis gate`.
#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "aegis/core/counterfactual.h"
#include "commands.h"
#include "common.h"
#include "errors.h"
#include "flags.h"

namespace aegis::cli {

namespace {
// What a context holds and which way each gate passes, below the options of evaluate and gate.
std::string context_help() {
  return "Context: a JSON object of the fields in schema/context.schema.json, each optional "
         "(docs/decision-rules.md#inputs). " +
         which_way_each_gate_passes(AegisConfig::default_config().create_gate_evaluator()) +
         " (These are the default parameters' bounds.) More: docs/gates.md.";
}

// evaluate: one context, --what-if, or a JSONL file with --batch.
Dispatch add_evaluate_flags(CLI::App& app) {
  auto ev = std::make_shared<EvaluateOptions>();
  auto* evaluate = app.add_subcommand(
      "evaluate",
      "Decide on one JSON context (exit 0 proceed, 1 halt, 2 pause/escalate, 3 invalid, "
      "4 internal), or on a JSONL file with --batch");
  evaluate->footer(context_help());
  evaluate->add_option("-i,--input", ev->input, "context JSON file, - for stdin (default)");
  evaluate->add_option("input_file", ev->input, "context JSON file (same as -i)");
  evaluate->add_option("-c,--config", ev->config, "YAML configuration");
  evaluate->add_flag("--shadow", ev->shadow, "compute without enforcing; exits 0");
  evaluate->add_option("--drift-baseline", ev->drift_baseline,
                       "JSON array of at least 30 baseline risk values");
  evaluate->add_option("--format", ev->format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));
  evaluate->add_option("--batch", ev->batch, "JSONL input, one context per line (- for stdin)");
  evaluate->add_option("-o,--output", ev->output, "JSONL output for --batch (default stdout)");
  ev->threads = std::max(1u, std::thread::hardware_concurrency());
  evaluate
      ->add_option("--threads", ev->threads,
                   "--batch: threads deciding lines (default: the machine's cores; output "
                   "stays in input order)")
      ->check(CLI::Range(1u, 256u));
  evaluate->add_option("--fields", ev->fields,
                       "--batch: write only these top-level fields of each decision "
                       "(status,failing_gates,decision_id,...); --db still stores the whole");
  evaluate->add_option("--db", ev->db,
                       "record each decision in the store (sqlite:PATH) before printing it");
  evaluate->add_option("--telemetry-url", ev->telemetry_url,
                       "https URL that receives the decision's telemetry events");
  evaluate->add_option("--what-if", ev->what_if,
                       "decide the context with these changes too: a JSON merge patch "
                       "('{\"risk_proposed\":0.02}') or K=V,... (utility.expected_benefit=900); "
                       "prints the changed decision and the difference, records nothing");
  evaluate->add_flag("--record", ev->record, "with --what-if: record the changed decision in --db");

  return [=]() -> std::optional<int> {
    if (*evaluate) {
      if (ev->batch) {
        if (ev->format != "json")
          return report_error(Error(errors::kCliUsage, "format",
                                    "--batch writes JSONL; --format text is not "
                                    "available with it"));
        return run_batch(*ev);
      }
      if (ev->fields)
        return report_error(Error(errors::kCliUsage, "fields",
                                  "--fields chooses the fields of --batch lines; use it "
                                  "with --batch"));
      return run_evaluate(*ev);
    }
    return std::nullopt;
  };
}

// gate: the CI check, here or with --url.
Dispatch add_gate_flags(CLI::App& app) {
  auto go = std::make_shared<GateOptions>();
  auto* gate = app.add_subcommand(
      "gate",
      "CI check: decide one context here or with --url, failing closed (exit 0 proceed, 1 halt, "
      "2 review, 3 invalid, 4 internal, 5 rejected, 6 unavailable, 7 malformed)");
  gate->footer(context_help());
  gate->add_option("-i,--input", go->input, "context JSON file, - for stdin (default)");
  gate->add_option("--url", go->url,
                   "aegis serve base URL (https, or http to this machine); API key from "
                   "AEGIS_API_KEY");
  gate->add_option("-c,--config", go->config, "YAML configuration (without --url)");
  gate->add_option("--db", go->db,
                   "decide here and record in this store, where an approved proposal or "
                   "two-key override of this very context lets it pass (without --url)");
  gate->add_option("--retries", go->retries,
                   "retries on connection errors, timeouts, 429, 502-504 (default 3)")
      ->check(CLI::Range(0, 100));
  gate->add_option("--timeout", go->timeout_s,
                   "seconds for the whole check, waits included (default 30)")
      ->check(CLI::Range(0.001, 3600.0));
  gate->add_option("--on-unavailable", go->on_unavailable,
                   "fail (default) or pass: with pass, exit 6 becomes 0, loudly; nothing else")
      ->check(CLI::IsMember({"fail", "pass"}));
  gate->add_option("--format", go->format, "text (default) or json")
      ->check(CLI::IsMember({"json", "text"}));

  return [=]() -> std::optional<int> {
    if (*gate) {
      if (go->url && go->db)
        return report_error(Error(errors::kCliUsage, "db",
                                  "--db is for deciding here; the service at --url looks for "
                                  "approvals in its own store"));
      if (go->url && go->config)
        return report_error(Error(errors::kCliUsage, "config",
                                  "--config is for deciding here; the service at --url "
                                  "decides with its own"));
      return run_gate(*go);
    }
    return std::nullopt;
  };
}

}  // namespace

Dispatch add_decision_flags(CLI::App& app) {
  // Registered in this order (the help's); a braced list is evaluated left to right.
  const std::vector<Dispatch> families = {add_evaluate_flags(app), add_gate_flags(app)};
  return [families]() -> std::optional<int> {
    for (const auto& family : families)
      if (auto code = family()) return code;
    return std::nullopt;
  };
}

}  // namespace aegis::cli
