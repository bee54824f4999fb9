// `aegis gate`: the CI check. Reads the context, gets a verdict from where the flags say
// (include/aegis/client/gate_client.h, or a ContextGate on a store), and writes its reports
// (include/aegis/client/gate_report.h) where CI looks: the exit code, stdout, and on GitHub
// Actions the job summary, step outputs and annotations.
#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>

#include "aegis/client/gate_client.h"
#include "aegis/client/gate_report.h"
#include "aegis/server/server_config.h"
#include "aegis/workflow/context_gate.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {
namespace {

bool append_file(const char* path, const std::string& text) {
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << text;
  return static_cast<bool>(f.flush());
}

// Decided by the service at --url, which looks for approvals in its own store.
GateVerdict decide_remote(const GateOptions& o, const std::string& text, std::string& where,
                          std::optional<Error>& refused) {
  GateRemote remote{.url = *o.url,
                    .retries = o.retries,
                    .timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000))};
  if (const char* key = std::getenv("AEGIS_API_KEY")) remote.api_key = key;
  // Waiting is never silent: one line per retry (the detail never holds the key).
  remote.on_retry = [](int attempt, const std::string& why, std::chrono::milliseconds wait) {
    std::fprintf(stderr, "aegis: gate: attempt %d failed (%s); retrying in %.1f s\n", attempt,
                 why.c_str(), static_cast<double>(wait.count()) / 1000.0);
  };
  GateVerdict v;
  try {
    v = gate_remote(text, remote);
  } catch (const AegisError& e) {
    refused = e.error();
  }
  OPENSSL_cleanse(remote.api_key.data(), remote.api_key.size());
  where =
      *o.url + " (" + std::to_string(v.attempts) + " attempt" + (v.attempts == 1 ? "" : "s") + ")";
  return v;
}

// Decided here and recorded in the store at --db, where approvals of this context are found.
GateVerdict decide_with_store(const GateOptions& o, const std::string& text,
                              std::optional<Error>& refused) {
  GateVerdict v;
  auto file = load_config_file(o.config);
  if (!file) {
    refused = file.error();
    return v;
  }
  std::unique_ptr<Store> store;
  try {
    store = Store::open(*o.db, Store::OpenMode::kExisting);
  } catch (const AegisError& e) {
    refused = e.error();
    return v;
  }
  StoreDecisionService service(file.value().config, store.get());
  const RBACEnforcer rbac = server_rbac(file.value().rbac, file.value().server.api_keys);
  ContextGate gate(service.service.config(), *store, service.store_lock, rbac,
                   file.value().custodians, service.service, file.value().approvals);
  auto decided = gate.decide("cli", text);
  if (!decided) {
    const Error& e = decided.error();
    v.outcome = e.kind == ErrorKind::kInternal ? GateOutcome::kInternal : GateOutcome::kInvalid;
    v.detail = error_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return v;
  }
  v = classify_answer(200, "application/json", decided.value().to_json().dump());
  v.http_status = 0;
  return v;
}

// Decided here without a store: only a PROCEED passes.
GateVerdict decide_here(const GateOptions& o, const std::string& text,
                        std::optional<Error>& refused) {
  GateVerdict v;
  auto config = load_config(o.config);
  if (!config) {
    refused = config.error();
    return v;
  }
  std::unique_ptr<TelemetryEmitter> telemetry;  // the config's telemetry_url, as evaluate
  try {
    telemetry = make_telemetry(std::nullopt, config.value(), std::nullopt);
  } catch (const AegisError& e) {
    refused = e.error();
    return v;
  }
  const DecisionService service(config.value(), nullptr, nullptr, telemetry.get());
  v = gate_local(service, text);
  if (telemetry) close_telemetry(*telemetry);
  return v;
}

}  // namespace

int run_gate(const GateOptions& o) {
  auto text = read_input(o.input, kMaxJsonBytes);
  if (!text) return report_error(text.error());
  std::optional<Error> refused;
  std::string where;
  GateVerdict v;
  if (o.url) {
    v = decide_remote(o, text.value(), where, refused);
  } else if (o.db) {
    v = decide_with_store(o, text.value(), refused);
    where = "this machine, with the approvals in " + redacted_url(*o.db);
  } else {
    v = decide_here(o, text.value(), refused);
    where = "this machine (aegis gate, no --url)";
  }
  if (refused) return report_error(*refused);

  const bool passed_unavailable =
      v.outcome == GateOutcome::kUnavailable && o.on_unavailable == "pass";
  const int code = passed_unavailable ? 0 : static_cast<int>(v.outcome);
  bool ok = write_all(stdout, o.format == "json" ? gate_json_report(v, code, passed_unavailable)
                                                 : gate_text_report(v, code, passed_unavailable));
  if (passed_unavailable)
    std::fprintf(stderr,
                 "aegis gate: WARNING: passing without a decision (the service was unavailable; "
                 "--on-unavailable pass): %s\n",
                 v.detail.c_str());

  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (actions && std::string_view(actions) == "true") {
    ok &= write_all(stdout, gate_annotation(v, passed_unavailable));
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary)
      ok &= append_file(summary, gate_summary_markdown(v, code, passed_unavailable, where));
    if (const char* output = std::getenv("GITHUB_OUTPUT"); output && *output)
      ok &= append_file(output, gate_outputs(v, code));
  }
  if (!ok || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "aegis gate: error: the report could not be written\n");
    return kExitInternal;
  }
  return code;
}

}  // namespace aegis::cli
