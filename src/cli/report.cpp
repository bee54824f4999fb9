// `aegis report DECISION.json | BATCH.jsonl [-o report.html] [--decision ID]`: the charts of
// docs/interfaces.md#pictures for a decision file or a batch output, as one self-contained HTML
// file.
#include "aegis/server/report.h"

#include <fstream>

#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

constexpr size_t kMaxReportInput = size_t{1} << 30;

bool is_decision(const nlohmann::json& j) {
  return j.is_object() && j.contains("decision_id") && j.contains("status") &&
         j.contains("gate_evaluation");
}

}  // namespace

int run_report(const std::string& input, const std::optional<std::string>& output,
               const std::optional<std::string>& decision_id) {
  auto text = read_input(input, kMaxReportInput);
  if (!text) return report_error(text.error());
  ReportInput report;
  report.selected_decision_id = decision_id;
  // One decision (a JSON object, possibly pretty-printed) or JSON lines (batch output; its error
  // records are counted, not drawn).
  const auto whole = nlohmann::json::parse(text.value(), nullptr, false);
  if (!whole.is_discarded() && is_decision(whole)) {
    report.decisions.push_back(whole);
  } else {
    size_t start = 0, line_no = 0;
    const std::string& t = text.value();
    while (start < t.size()) {
      size_t nl = t.find('\n', start);
      if (nl == std::string::npos) nl = t.size();
      const std::string_view line(t.data() + start, nl - start);
      ++line_no;
      start = nl + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded())
        return report_error(
            Error(errors::kReportInput, "input",
                  input + ":" + std::to_string(line_no) + ": not a decision and not JSON lines"));
      if (is_decision(j))
        report.decisions.push_back(std::move(j));
      else
        ++report.skipped;
    }
  }
  if (report.decisions.empty())
    return report_error(Error(errors::kReportInput, "input", input + ": holds no decision"));
  if (decision_id) {
    bool found = false;
    for (const auto& d : report.decisions) found = found || d["decision_id"] == *decision_id;
    if (!found)
      return report_error(Error{errors::kReportDecision, "decision",
                                "no decision " + *decision_id + " in " + input});
  }
  const std::string html = render_report_page(
      report, "AEGIS report: " + std::to_string(report.decisions.size()) + " decision" +
                  (report.decisions.size() == 1 ? "" : "s") + " from " + input);
  if (!output) return write_all(stdout, html) ? 0 : kExitInternal;
  std::ofstream out(*output, std::ios::binary | std::ios::trunc);
  if (!(out << html) || !out.flush())
    return report_error(Error{errors::kReportWrite, "output", "cannot write " + *output});
  return 0;
}

}  // namespace aegis::cli
