// The reports of `aegis gate`: what CI shows of a verdict.
#include "aegis/client/gate_report.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "aegis/core/names.h"

namespace aegis {
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

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string gate_headline(const GateVerdict& v) {
  if (!v.passed_by.empty()) return upper(v.status) + ", " + upper(v.passed_by);
  return v.status.empty() ? upper(to_string(v.outcome)) : upper(v.status);
}

std::string gate_outcome_name(const GateVerdict& v) {
  return v.passed_by.empty() ? std::string(to_string(v.outcome)) : v.passed_by;
}

namespace {

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

}  // namespace

std::string gate_text_report(const GateVerdict& v, int code, bool passed_unavailable) {
  const Reading r = read_decision(v);
  std::string out = "aegis gate: " + gate_headline(v) + " (exit " + std::to_string(code) + ")";
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

std::string gate_json_report(const GateVerdict& v, int code, bool passed_unavailable) {
  nlohmann::json j = {
      {"outcome", gate_outcome_name(v)},
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

std::string gate_summary_markdown(const GateVerdict& v, int code, bool passed_unavailable,
                                  const std::string& where) {
  const Reading r = read_decision(v);
  std::string md = "## AEGIS gate: " + gate_headline(v) + "\n\n| | |\n|---|---|\n";
  md += "| Outcome | " + gate_outcome_name(v) + " (exit " + std::to_string(code) + ") |\n";
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

std::string gate_annotation(const GateVerdict& v, bool passed_unavailable) {
  const std::string title = annotation_escape("AEGIS gate: " + gate_headline(v), true);
  if (passed_unavailable || v.outcome == GateOutcome::kReview)
    return "::warning title=" + title + "::" +
           annotation_escape(passed_unavailable ? "passing without a decision: " + v.detail
                                                : read_decision(v).rationale,
                             false) +
           "\n";
  if (v.outcome != GateOutcome::kProceed)
    return "::error title=" + title + "::" +
           annotation_escape(v.status.empty() ? v.detail : read_decision(v).rationale, false) +
           "\n";
  return "";
}

std::string gate_outputs(const GateVerdict& v, int code) {
  return "status=" + v.status + "\ndecision_id=" + v.decision_id +
         "\noutcome=" + gate_outcome_name(v) + "\nexit_code=" + std::to_string(code) + "\n";
}

}  // namespace aegis
