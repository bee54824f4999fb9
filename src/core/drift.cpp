#include "aegis/core/drift.h"

#include <algorithm>
#include <cmath>

#include "aegis/core/digest.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "format.h"

namespace aegis {

std::string_view to_string(DriftStatus v) noexcept { return name_in(kDriftStatusNames, v); }

std::string_view to_string(DriftAction v) noexcept { return name_in(kDriftActionNames, v); }

void DriftResult::append_message(std::string& m) const {
  using detail::append_num4;
  switch (status) {
    case DriftStatus::INSUFFICIENT_DATA:
      if (n_baseline == 0) {
        m += "no drift baseline set";
        return;
      }
      m += "insufficient data: " + std::to_string(n_current) + " observations in the window, " +
           std::to_string(kMinWindow) + " needed";
      return;
    case DriftStatus::NORMAL:
      m += "no drift: KL=";
      break;
    case DriftStatus::WARNING:
      m += "drift warning: KL=";
      break;
    case DriftStatus::CRITICAL:
      m += "critical drift: KL=";
      break;
  }
  append_num4(m, kl_divergence);
  if (status == DriftStatus::NORMAL) {
    m += " < ";
    append_num4(m, tau_warning);
  } else {
    m += " >= ";
    append_num4(m, status == DriftStatus::WARNING ? tau_warning : tau_critical);
  }
}

std::string DriftResult::message() const {
  std::string m;
  append_message(m);
  return m;
}

DriftMonitor::DriftMonitor(const KLDriftConfig& config, Clock clock)
    : config_(config), clock_(std::move(clock)) {
  if (auto e = validate_kl_drift(config_)) throw_error(std::move(*e));
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

size_t DriftMonitor::bin_of(double value) const noexcept {
  const double pos = (value - lo_) / width_;
  if (!(pos >= 1.0)) return 0;  // also catches values below the range
  if (pos >= static_cast<double>(kDriftBins)) return kDriftBins - 1;
  return static_cast<size_t>(pos);
}

void DriftMonitor::set_baseline(std::span<const double> values) {
  if (values.size() < kMinBaseline) {
    throw_error(Error(errors::kDriftBaseline, "baseline",
                      "a drift baseline needs at least " + std::to_string(kMinBaseline) +
                          " values, got " + std::to_string(values.size())));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw_error(Error(
          errors::kDriftBaseline, "baseline[" + std::to_string(i) + "]",
          "baseline[" + std::to_string(i) + "] must be finite, got " + detail::num(values[i])));
  }
  const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  double lo = *mn, hi = *mx;
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double width = (hi - lo) / static_cast<double>(kDriftBins);
  if (!(std::isfinite(width) && width > 0)) {
    throw_error(Error(errors::kDriftBaseline, "baseline",
                      "the baseline range is too wide or too narrow to bin"));
  }
  baseline_.assign(values.begin(), values.end());
  lo_ = lo;
  width_ = width;
  std::array<int64_t, kDriftBins> counts{};
  for (double v : baseline_) ++counts[bin_of(v)];
  const double n = static_cast<double>(baseline_.size());
  for (size_t i = 0; i < kDriftBins; ++i) {
    log_p_[i] = std::log((static_cast<double>(counts[i]) + kDriftSmoothing) /
                         (n + kDriftBins * kDriftSmoothing));
  }
  baseline_hash_ = sha256_hex(canonical_json(nlohmann::json(baseline_)));
  window_counts_.fill(0);
  dirty_bins_ = (1u << kDriftBins) - 1;
  for (Observation& o : window_) {
    o.bin = static_cast<uint8_t>(bin_of(o.value));
    ++window_counts_[o.bin];
  }
}

void DriftMonitor::add_observation(double value) { add_observation(value, clock_()); }

void DriftMonitor::add_observation(double value, TimePoint time) {
  if (!std::isfinite(value)) {
    throw_error(Error(errors::kDriftObservation, "value",
                      "a drift observation must be finite, got " + detail::num(value)));
  }
  // Without a baseline the bin is provisional: set_baseline re-bins the window.
  const Observation obs{time, value, static_cast<uint8_t>(baseline_.empty() ? 0 : bin_of(value))};
  if (window_.empty() || window_.back().time <= time) {
    window_.push_back(obs);
  } else {
    auto it = std::upper_bound(window_.begin(), window_.end(), time,
                               [](TimePoint t, const Observation& o) { return t < o.time; });
    window_.insert(it, obs);
  }
  count(obs.bin, +1);
  if (window_.size() > kMaxWindow) {
    count(window_.front().bin, -1);
    window_.pop_front();
  }
}

void DriftMonitor::count(uint8_t bin, int64_t delta) noexcept {
  window_counts_[bin] += delta;
  dirty_bins_ |= 1u << bin;
}

double DriftMonitor::kl_from(const std::array<int64_t, kDriftBins>& counts,
                             const std::array<double, kDriftBins>& log_counts,
                             int64_t n) const noexcept {
  // KL = Σ q_i ln(q_i/p_i) with q_i = (c_i + ε)/D: since Σ q_i = 1 this is
  // Σ (c_i + ε)(ln(c_i + ε) − ln p_i)/D − ln D.
  const double denom = static_cast<double>(n) + kDriftBins * kDriftSmoothing;
  double acc = 0.0;
  for (size_t i = 0; i < kDriftBins; ++i)
    acc += (static_cast<double>(counts[i]) + kDriftSmoothing) * (log_counts[i] - log_p_[i]);
  return acc / denom - std::log(denom);
}

DriftResult DriftMonitor::result(double kl, int64_t n) const noexcept {
  DriftResult r;
  r.n_baseline = static_cast<int64_t>(baseline_.size());
  r.n_current = n;
  r.tau_warning = config_.tau_warning;
  r.tau_critical = config_.tau_critical;
  if (baseline_.empty() || n < static_cast<int64_t>(kMinWindow)) return r;
  r.kl_divergence = kl;
  if (kl < config_.tau_warning) {
    r.status = DriftStatus::NORMAL;
  } else if (kl < config_.tau_critical) {
    r.status = DriftStatus::WARNING;
    r.action = DriftAction::ALERT;
  } else {
    r.status = DriftStatus::CRITICAL;
    r.action = DriftAction::ESCALATE;
  }
  return r;
}

DriftResult DriftMonitor::evaluate() {
  const TimePoint cutoff = clock_() - std::chrono::hours(24 * config_.window_days);
  while (!window_.empty() && window_.front().time < cutoff) {
    count(window_.front().bin, -1);
    window_.pop_front();
  }
  const auto n = static_cast<int64_t>(window_.size());
  if (baseline_.empty() || n < static_cast<int64_t>(kMinWindow)) return result(0.0, n);
  for (uint32_t dirty = dirty_bins_; dirty != 0; dirty &= dirty - 1) {
    const int i = __builtin_ctz(dirty);
    window_log_counts_[i] = std::log(static_cast<double>(window_counts_[i]) + kDriftSmoothing);
  }
  dirty_bins_ = 0;
  return result(kl_from(window_counts_, window_log_counts_, n), n);
}

DriftResult DriftMonitor::check(std::span<const double> values) const {
  std::array<int64_t, kDriftBins> counts{};
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw_error(
          Error(errors::kDriftObservation, "values[" + std::to_string(i) + "]",
                "values[" + std::to_string(i) + "] must be finite, got " + detail::num(values[i])));
    if (!baseline_.empty()) ++counts[bin_of(values[i])];
  }
  const auto n = static_cast<int64_t>(values.size());
  if (baseline_.empty() || n < static_cast<int64_t>(kMinWindow)) return result(0.0, n);
  std::array<double, kDriftBins> logs{};
  for (size_t i = 0; i < kDriftBins; ++i)
    logs[i] = std::log(static_cast<double>(counts[i]) + kDriftSmoothing);
  return result(kl_from(counts, logs, n), n);
}

}  // namespace aegis
