#include "aegis/server/report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "aegis/core/decide.h"
#include "aegis/core/gates.h"

namespace aegis {
namespace {

using nlohmann::json;

constexpr auto kStatuses = names_of<kStatusNames>();
constexpr auto kGates = names_of<kGateNames>();
constexpr size_t kRecentRows = 20;
constexpr size_t kMaxBuckets = 24;

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, const char* format = "%.4g") {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number(const json& j, const char* key, double fallback = 0.0) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// Milliseconds since the epoch of an RFC 3339 UTC timestamp ("2026-11-26T02:49:22.206Z");
// nullopt when it is not one.
std::optional<int64_t> epoch_ms(const std::string& t) {
  int y, mo, d, h, mi, s, ms = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &s, &ms) < 6)
    return std::nullopt;
  // Days from civil (H. Hinnant's algorithm).
  y -= mo <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + int64_t{s} * 1000 + ms;
}

// The gate results object of a decision, or null when it has none.
const json* gates_of(const json& d) {
  const auto e = d.find("gate_evaluation");
  if (e == d.end() || !e->is_object()) return nullptr;
  const auto g = e->find("gates");
  return g != e->end() && g->is_object() ? &*g : nullptr;
}

std::string figure(std::string_view id, std::string_view caption, const std::string& svg) {
  return "<figure id=\"" + std::string(id) + "\"><figcaption>" + std::string(caption) +
         "</figcaption>" + svg + "</figure>";
}

std::string svg_open(int w, int h, std::string_view label) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(w) + " " +
         std::to_string(h) + "\" width=\"" + std::to_string(w) + "\" height=\"" +
         std::to_string(h) + "\" role=\"img\" aria-label=\"" + esc(label) + "\">";
}

std::string rect(double x, double y, double w, double h, std::string_view cls,
                 std::string_view title, std::string_view data = "") {
  return "<rect class=\"" + std::string(cls) + "\" x=\"" + num(x, "%.1f") + "\" y=\"" +
         num(y, "%.1f") + "\" width=\"" + num(std::max(w, 0.0), "%.1f") + "\" height=\"" +
         num(std::max(h, 0.0), "%.1f") + "\"" + std::string(data) + "><title>" + esc(title) +
         "</title></rect>";
}

std::string text(double x, double y, std::string_view s, std::string_view anchor = "start") {
  return "<text x=\"" + num(x, "%.1f") + "\" y=\"" + num(y, "%.1f") + "\" text-anchor=\"" +
         std::string(anchor) + "\">" + esc(s) + "</text>";
}

std::string recent_table(const std::vector<const json*>& newest_first,
                         const std::string& selected) {
  std::string out =
      "<table id=\"recent\"><thead><tr><th>time (UTC)</th><th>decision</th><th>status</th>"
      "<th>confidence</th><th>failing gates</th></tr></thead><tbody>";
  for (size_t i = 0; i < newest_first.size() && i < kRecentRows; ++i) {
    const json& d = *newest_first[i];
    const std::string id = str(d, "decision_id");
    const std::string status = str(d, "status");
    std::string failing;
    if (d.contains("failing_gates") && d["failing_gates"].is_array())
      for (const auto& g : d["failing_gates"])
        if (g.is_string()) failing += (failing.empty() ? "" : ", ") + g.get<std::string>();
    out += "<tr data-decision-id=\"" + esc(id) + "\"" +
           (id == selected ? " class=\"selected\"" : "") + "><td>" + esc(str(d, "timestamp")) +
           "</td><td><code>" + esc(id.substr(0, 8)) + "</code></td><td><span class=\"status " +
           "status-" + esc(status) + "\">" + esc(status) + "</span></td><td>" +
           num(number(d, "confidence"), "%.3f") + "</td><td>" + esc(failing) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string status_mix(const std::vector<const json*>& decisions) {
  constexpr int W = 640, H = 220, left = 40, bottom = 30, top = 10;
  std::vector<std::pair<int64_t, std::string>> points;
  for (const json* d : decisions)
    if (const auto t = epoch_ms(str(*d, "timestamp"))) points.emplace_back(*t, str(*d, "status"));
  std::string svg = svg_open(W, H, "status mix over time");
  if (points.empty()) return svg + text(W / 2.0, H / 2.0, "no decisions", "middle") + "</svg>";
  std::sort(points.begin(), points.end());
  const int64_t t0 = points.front().first, t1 = points.back().first;
  const size_t buckets = std::min(kMaxBuckets, points.size());
  const double span = static_cast<double>(std::max<int64_t>(t1 - t0, 1));
  std::vector<std::map<std::string, int>> counts(buckets);
  for (const auto& [t, status] : points) {
    size_t b =
        static_cast<size_t>(static_cast<double>(t - t0) / span * static_cast<double>(buckets));
    counts[std::min(b, buckets - 1)][status]++;
  }
  int peak = 1;
  for (const auto& c : counts) {
    int total = 0;
    for (const auto& [s, n] : c) total += n;
    peak = std::max(peak, total);
  }
  const double bw = static_cast<double>(W - left - 10) / static_cast<double>(buckets);
  const double scale = static_cast<double>(H - bottom - top) / peak;
  svg += "<line class=\"axis\" x1=\"" + std::to_string(left) + "\" y1=\"" +
         std::to_string(H - bottom) + "\" x2=\"" + std::to_string(W - 10) + "\" y2=\"" +
         std::to_string(H - bottom) + "\"/>";
  svg +=
      text(left - 4, top + 8, std::to_string(peak), "end") + text(left - 4, H - bottom, "0", "end");
  for (size_t b = 0; b < buckets; ++b) {
    double y = H - bottom;
    for (auto status : kStatuses) {
      const auto it = counts[b].find(std::string(status));
      if (it == counts[b].end()) continue;
      const double h = it->second * scale;
      y -= h;
      svg += rect(left + static_cast<double>(b) * bw + 1, y, bw - 2, h,
                  "bar status-" + std::string(status),
                  std::to_string(it->second) + " " + std::string(status),
                  " data-status=\"" + std::string(status) + "\" data-count=\"" +
                      std::to_string(it->second) + "\"");
    }
  }
  std::string oldest = "9", newest;
  for (const json* d : decisions) {
    const std::string t = str(*d, "timestamp");
    if (!epoch_ms(t)) continue;
    oldest = std::min(oldest, t);
    newest = std::max(newest, t);
  }
  svg +=
      text(left, H - 10, oldest.substr(0, 23)) + text(W - 10, H - 10, newest.substr(0, 23), "end");
  return svg + "</svg>";
}

std::string gate_pass_rates(const std::vector<const json*>& decisions) {
  constexpr int W = 640, row = 26, left = 100;
  const int H = row * static_cast<int>(kGates.size()) + 10;
  std::string svg = svg_open(W, H, "gate pass rates");
  for (size_t i = 0; i < kGates.size(); ++i) {
    int passed = 0, seen = 0;
    for (const json* d : decisions) {
      const json* gates = gates_of(*d);
      const json* g =
          gates && gates->contains(kGates[i]) ? &(*gates)[std::string(kGates[i])] : nullptr;
      if (!g || !g->is_object() || !g->contains("passed")) continue;
      ++seen;
      passed += (*g)["passed"] == true;
    }
    const double y = 5 + static_cast<double>(i) * row;
    const double rate = seen ? static_cast<double>(passed) / seen : 0.0;
    svg += text(left - 6, y + 15, kGates[i], "end");
    svg += rect(left, y + 3, W - left - 70, row - 8, "track", "");
    svg += rect(left, y + 3, (W - left - 70) * rate, row - 8, "bar pass",
                std::to_string(passed) + " of " + std::to_string(seen) + " passed",
                " data-gate=\"" + std::string(kGates[i]) + "\" data-rate=\"" + num(rate) + "\"");
    svg += text(W - 64, y + 15,
                seen ? num(100 * rate, "%.0f") + "% of " + std::to_string(seen) : "n/a");
  }
  return svg + "</svg>";
}

// Each gate's distance to its threshold, positive on the passing side (gate_distance).
std::string gate_distances(const json* d) {
  constexpr int W = 640, row = 26, left = 100, right = 150;
  const int H = row * static_cast<int>(kGates.size()) + 10;
  std::string svg =
      svg_open(W, H, "distance of each gate to its threshold, positive on the passing side");
  const json* gates = d ? gates_of(*d) : nullptr;
  if (!gates) return svg + text(W / 2.0, H / 2.0, "no decision chosen", "middle") + "</svg>";
  double peak = 0.05;
  for (auto g : kGates)
    if (gates->contains(g))
      peak = std::max(peak, std::fabs(number((*gates)[std::string(g)], "margin")));
  const double mid = left + (W - left - right) / 2.0, half = (W - left - right) / 2.0;
  svg += "<line class=\"axis\" x1=\"" + num(mid) + "\" y1=\"0\" x2=\"" + num(mid) + "\" y2=\"" +
         std::to_string(H) + "\"/>";
  for (size_t i = 0; i < kGates.size(); ++i) {
    const double y = 5 + static_cast<double>(i) * row;
    svg += text(left - 6, y + 15, kGates[i], "end");
    if (!gates->contains(kGates[i])) {
      svg += text(mid + 6, y + 15, "not evaluated");
      continue;
    }
    const json& g = (*gates)[std::string(kGates[i])];
    const bool passed = g.is_object() && g.contains("passed") && g["passed"] == true;
    const double distance = gate_distance(passed, number(g, "margin"));
    const double w = std::fabs(distance) / peak * half;
    svg += rect(
        distance >= 0 ? mid : mid - w, y + 3, w, row - 8, passed ? "bar pass" : "bar fail",
        str(g, "message"),
        " data-gate=\"" + std::string(kGates[i]) + "\" data-distance=\"" + num(distance) + "\"");
    svg += text(W - right + 6, y + 15,
                num(number(g, "value"), "%.3g") + " vs " + num(number(g, "threshold"), "%.3g"));
  }
  return svg + "</svg>";
}

std::string drift_chart(const std::optional<json>& drift) {
  constexpr int W = 640, H = 90, left = 20, right = 20;
  std::string svg = svg_open(W, H, "drift KL divergence against its thresholds");
  if (!drift || !drift->is_object() || str(*drift, "status") == "insufficient_data" ||
      str(*drift, "status").empty())
    return svg + text(W / 2.0, H / 2.0, "no drift data", "middle") + "</svg>";
  const double kl = number(*drift, "kl_divergence");
  const double warn = number(*drift, "tau_warning", 0.3),
               crit = number(*drift, "tau_critical", 0.5);
  const double top = std::max({kl, crit, warn}) * 1.25;
  const double w = W - left - right;
  auto x = [&](double v) { return left + v / top * w; };
  const std::string status = str(*drift, "status");
  svg += rect(left, 20, w, 30, "track", "");
  svg += rect(left, 20, x(kl) - left, 30, "bar drift-" + esc(status),
              "KL " + num(kl) + " (" + status + ")",
              " data-kl=\"" + num(kl) + "\" data-status=\"" + esc(status) + "\"");
  // The warning label ends at its line and the critical one starts at its own: they never overlap.
  for (auto [v, label, anchor] :
       {std::tuple<double, const char*, const char*>{warn, "warning", "end"},
        {crit, "critical", "start"}}) {
    svg += "<line class=\"threshold threshold-" + std::string(label) + "\" x1=\"" + num(x(v)) +
           "\" y1=\"12\" x2=\"" + num(x(v)) + "\" y2=\"58\"/>";
    svg += text(x(v) + (anchor[0] == 'e' ? -3 : 3), 74, std::string(label) + " " + num(v), anchor);
  }
  svg += text(W - right, 12, "KL " + num(kl) + ": " + status, "end");
  return svg + "</svg>";
}

}  // namespace

std::string_view report_css() {
  return R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px}figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
svg text{font-size:11px;fill:#333}.axis{stroke:#888}.track{fill:#eef0f3}
.status-proceed{fill:#2e7d32;background:#2e7d32}.status-pause{fill:#f9a825;background:#f9a825}
.status-halt{fill:#c62828;background:#c62828}.status-escalate{fill:#6a1b9a;background:#6a1b9a}
span.status{color:#fff;border-radius:3px;padding:0 5px}.pass{fill:#2e7d32}.fail{fill:#c62828}
.drift-normal{fill:#2e7d32}.drift-warning{fill:#f9a825}.drift-critical{fill:#c62828}
.threshold{stroke:#333;stroke-dasharray:3 2}table{border-collapse:collapse}
td,th{padding:3px 8px;border-bottom:1px solid #e3e6ea;text-align:left}
tr[data-decision-id]{cursor:pointer}tr.selected{background:#e8f0fe}.note{color:#666})";
}

std::string render_report_fragment(const ReportInput& input) {
  std::vector<const json*> newest_first;
  for (const auto& d : input.decisions)
    if (d.is_object()) newest_first.push_back(&d);
  std::stable_sort(newest_first.begin(), newest_first.end(), [](const json* a, const json* b) {
    return str(*a, "timestamp") > str(*b, "timestamp");
  });
  const json* chosen = newest_first.empty() ? nullptr : newest_first.front();
  if (input.selected_decision_id)
    for (const json* d : newest_first)
      if (str(*d, "decision_id") == *input.selected_decision_id) chosen = d;
  std::optional<json> drift = input.drift;
  if (!drift && chosen && chosen->contains("drift_result") && !(*chosen)["drift_result"].is_null())
    drift = (*chosen)["drift_result"];

  std::map<std::string, int> totals;
  for (const json* d : newest_first) totals[str(*d, "status")]++;
  std::string out = "<div class=\"aegis-report\"><p id=\"summary\">" +
                    std::to_string(newest_first.size()) + " decisions";
  for (auto s : kStatuses)
    out += " · <span data-status=\"" + std::string(s) + "\">" + std::string(s) + " " +
           std::to_string(totals[std::string(s)]) + "</span>";
  if (input.skipped)
    out += " · " + std::to_string(input.skipped) +
           (input.skipped == 1 ? " record was not a decision" : " records were not decisions");
  out += "</p>";
  out += figure("chart-recent", "Recent decisions (newest first)",
                recent_table(newest_first, chosen ? str(*chosen, "decision_id") : ""));
  out += figure("chart-status-mix", "Status mix over time", status_mix(newest_first));
  out += figure("chart-gate-pass-rates", "Gate pass rates", gate_pass_rates(newest_first));
  out += figure(
      "chart-gate-distance",
      (chosen ? "Distance to each threshold of decision <code>" + esc(str(*chosen, "decision_id")) +
                    "</code> (" + esc(str(*chosen, "status")) + ")"
              : std::string("Distance to each threshold")) +
          " — positive on the passing side",
      gate_distances(chosen));
  out += figure("chart-drift", "Drift: KL divergence against its thresholds", drift_chart(drift));
  return out + "</div>";
}

std::string render_report_page(const ReportInput& input, std::string_view title) {
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title><style>" + std::string(report_css()) + "</style></head><body><h1>" + esc(title) +
         "</h1>" + render_report_fragment(input) + "</body></html>\n";
}

}  // namespace aegis
