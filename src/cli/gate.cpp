// `aegis gate`: the CI check. Reads the context, gets a verdict
// (include/aegis/client/gate_client.h), and reports it where CI looks: the exit code, then plain
// text or JSON, and on GitHub Actions a job summary, step outputs and annotations.
#include <openssl/crypto.h>

#include <cstdlib>
#include <fstream>

#include "aegis/client/gate_client.h"
#include "aegis/server/server_config.h"
#include "aegis/workflow/context_gate.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {
namespace {

// GitHub workflow-command data: %, CR and LF are escaped (properties also : and ,).
std::string annotation_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

// Text from the service on one line: no control character can start a line of its own (on
// Actions a line that starts with "::" is a workflow command).
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// Text from the service, safe in Markdown: one line, no HTML, every punctuation mark that could
// start markup (code, emphasis, links, images, headings, table cells) escaped.
std::string markdown_escape(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (std::string_view("\\`*_[]()!#|~").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else
      out += c;
  }
  return out;
}

// The parts of the decision a person reads first; empty when there is none.
struct Reading {
  std::string rationale;
  std::vector<std::string> failing_gates, next_steps;
};

Reading read_decision(const GateVerdict& v) {
  Reading r;
  const auto j = nlohmann::json::parse(v.decision, nullptr, false);
  if (!j.is_object()) return r;
  if (j.contains("rationale") && j["rationale"].is_string()) r.rationale = j["rationale"];
  for (const auto& [key, into] :
       {std::pair<const char*, std::vector<std::string>*>{"failing_gates", &r.failing_gates},
        {"next_steps", &r.next_steps}})
    if (j.contains(key) && j[key].is_array())
      for (const auto& s : j[key])
        if (s.is_string()) into->push_back(s);
  return r;
}

std::string headline(const GateVerdict& v) {
  if (!v.passed_by.empty()) return upper(v.status) + ", " + upper(v.passed_by);
  return v.status.empty() ? upper(to_string(v.outcome)) : upper(v.status);
}

// The outcome's name: the approval that passed it, or the class.
std::string outcome_name(const GateVerdict& v) {
  return v.passed_by.empty() ? std::string(to_string(v.outcome)) : v.passed_by;
}

// Which approval let a decision other than PROCEED pass: the proposal (and override), who
// approved or signed, and until when; "" when none did.
std::string approval_line(const GateVerdict& v) {
  if (v.passed_by.empty()) return "";
  const nlohmann::json& a = v.approval;
  auto text = [&a](const char* key) {
    return a.contains(key) && a[key].is_string() ? a[key].get<std::string>() : std::string();
  };
  std::string out = v.passed_by + ": proposal " + text("proposal_id");
  if (!text("override_id").empty()) out += ", override " + text("override_id");
  std::vector<std::string> who;
  for (const char* key : {"approvers", "custodians"})
    if (a.contains(key) && a[key].is_array())
      for (const auto& p : a[key]) {
        if (p.is_string()) who.push_back(p.get<std::string>());
        if (p.is_object() && p.value("actor", nlohmann::json()).is_string())
          who.push_back(p["actor"].get<std::string>() + " (" +
                        p.value("role", nlohmann::json("")).get<std::string>() + ")");
      }
  if (!who.empty())
    out +=
        std::string(v.passed_by == "overridden" ? ", signed by " : ", approved by ") + joined(who);
  if (!text("expires_at").empty()) out += ", until " + text("expires_at");
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string text_report(const GateVerdict& v, int code, bool passed_unavailable) {
  const Reading r = read_decision(v);
  std::string out = "aegis gate: " + headline(v) + " (exit " + std::to_string(code) + ")";
  if (!v.decision_id.empty()) out += ", decision " + v.decision_id;
  out += "\n";
  if (v.status.empty()) out += "  " + one_line(v.detail) + "\n";
  if (!v.passed_by.empty()) out += "  " + one_line(approval_line(v)) + "\n";
  if (!r.failing_gates.empty())
    out += "  failing gates: " + one_line(joined(r.failing_gates)) + "\n";
  if (!r.rationale.empty()) out += "  rationale: " + one_line(r.rationale) + "\n";
  for (const auto& s : r.next_steps) out += "  next: " + one_line(s) + "\n";
  if (passed_unavailable)
    out +=
        "  PASSING WITHOUT A DECISION: the service was unavailable and --on-unavailable is "
        "pass\n";
  return out;
}

std::string json_report(const GateVerdict& v, int code, bool passed_unavailable) {
  nlohmann::json j = {
      {"outcome", outcome_name(v)},
      {"exit_code", code},
      {"status", v.status.empty() ? nlohmann::json() : nlohmann::json(v.status)},
      {"decision_id", v.decision_id.empty() ? nlohmann::json() : nlohmann::json(v.decision_id)},
      {"detail", v.detail},
      {"attempts", v.attempts},
      {"http_status", v.http_status},
      {"passed_unavailable", passed_unavailable},
      {"approval", v.passed_by.empty() ? nlohmann::json() : v.approval}};
  const auto d = nlohmann::json::parse(v.decision, nullptr, false);
  j["decision"] = d.is_discarded() ? nlohmann::json() : d;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string summary_markdown(const GateVerdict& v, int code, bool passed_unavailable,
                             const std::string& where) {
  const Reading r = read_decision(v);
  std::string md = "## AEGIS gate: " + headline(v) + "\n\n| | |\n|---|---|\n";
  md += "| Outcome | " + outcome_name(v) + " (exit " + std::to_string(code) + ") |\n";
  if (!v.passed_by.empty()) md += "| Approval | " + markdown_escape(approval_line(v)) + " |\n";
  if (!v.decision_id.empty()) md += "| Decision | `" + markdown_escape(v.decision_id) + "` |\n";
  if (!r.failing_gates.empty())
    md += "| Failing gates | " + markdown_escape(joined(r.failing_gates)) + " |\n";
  md += "| Decided by | " + markdown_escape(where) + " |\n";
  if (v.outcome != GateOutcome::kProceed || !v.passed_by.empty())
    md += "| Detail | " + markdown_escape(v.detail) + " |\n";
  md += "\n";
  if (passed_unavailable)
    md +=
        "> **Passed without a decision**: the service was unavailable and `on-unavailable` is "
        "`pass`.\n\n";
  if (!r.rationale.empty()) md += "**Rationale.** " + markdown_escape(r.rationale) + "\n\n";
  if (!r.next_steps.empty()) {
    md += "**Next steps**\n\n";
    for (const auto& s : r.next_steps) md += "- " + markdown_escape(s) + "\n";
    md += "\n";
  }
  return md;
}

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
  bool ok = write_all(stdout, o.format == "json" ? json_report(v, code, passed_unavailable)
                                                 : text_report(v, code, passed_unavailable));
  if (passed_unavailable)
    std::fprintf(stderr,
                 "aegis gate: WARNING: passing without a decision (the service was unavailable; "
                 "--on-unavailable pass): %s\n",
                 v.detail.c_str());

  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (actions && std::string_view(actions) == "true") {
    const std::string title = "AEGIS gate: " + headline(v);
    if (passed_unavailable || v.outcome == GateOutcome::kReview)
      ok &= write_all(stdout, "::warning title=" + annotation_escape(title, true) + "::" +
                                  annotation_escape(passed_unavailable
                                                        ? "passing without a decision: " + v.detail
                                                        : read_decision(v).rationale,
                                                    false) +
                                  "\n");
    else if (v.outcome != GateOutcome::kProceed)
      ok &= write_all(
          stdout,
          "::error title=" + annotation_escape(title, true) + "::" +
              annotation_escape(v.status.empty() ? v.detail : read_decision(v).rationale, false) +
              "\n");
    if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary)
      ok &= append_file(summary, summary_markdown(v, code, passed_unavailable, where));
    if (const char* output = std::getenv("GITHUB_OUTPUT"); output && *output)
      ok &= append_file(output, "status=" + v.status + "\ndecision_id=" + v.decision_id +
                                    "\noutcome=" + outcome_name(v) +
                                    "\nexit_code=" + std::to_string(code) + "\n");
  }
  if (!ok || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "aegis gate: error: the report could not be written\n");
    return kExitInternal;
  }
  return code;
}

}  // namespace aegis::cli
