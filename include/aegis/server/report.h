// Pictures of decisions (docs/interfaces.md#pictures) as HTML with inline SVG — no script, no
// network: recent decisions, status mix over time, gate pass rates, gate distances of a chosen
// decision, and drift KL against its thresholds. One renderer serves `aegis report` (a
// self-contained file) and the dashboard of `aegis serve` (which fetches the same fragment). Every
// string from a decision is HTML-escaped. Stateless and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis {

struct ReportInput {
  std::vector<nlohmann::json> decisions;  // decision JSON objects, in any order
  // A drift result (drift-result schema); when absent, the newest decision's drift_result.
  std::optional<nlohmann::json> drift;
  // The decision whose gate distances are drawn; default: the newest.
  std::optional<std::string> selected_decision_id;
  size_t skipped = 0;  // input records that were not decisions (shown as a note)
};

// The charts as an HTML fragment (a <div class="aegis-report">).
std::string render_report_fragment(const ReportInput& input);
// A whole self-contained HTML page around the fragment.
std::string render_report_page(const ReportInput& input, std::string_view title);
// The style sheet both use.
std::string_view report_css();

}  // namespace aegis
