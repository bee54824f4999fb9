// KL-divergence drift detection (docs/decision-rules.md#drift): compares a window of recent
// observations against a baseline histogram. DriftMonitor is NOT thread-safe: give each thread its
// own, or guard it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/names.h"

namespace aegis {

// Wire form: "normal", "warning", "critical", "insufficient_data".
enum class DriftStatus { NORMAL, WARNING, CRITICAL, INSUFFICIENT_DATA };
// The wire names of DriftStatus, one per value.
inline constexpr EnumName<DriftStatus> kDriftStatusNames[] = {
    {DriftStatus::NORMAL, "normal"},
    {DriftStatus::WARNING, "warning"},
    {DriftStatus::CRITICAL, "critical"},
    {DriftStatus::INSUFFICIENT_DATA, "insufficient_data"},
};
// Wire form: "none", "alert", "escalate".
enum class DriftAction { NONE, ALERT, ESCALATE };
// The wire names of DriftAction, one per value.
inline constexpr EnumName<DriftAction> kDriftActionNames[] = {
    {DriftAction::NONE, "none"},
    {DriftAction::ALERT, "alert"},
    {DriftAction::ESCALATE, "escalate"},
};

std::string_view to_string(DriftStatus status) noexcept;
std::string_view to_string(DriftAction action) noexcept;

inline constexpr size_t kDriftBins = 10;
inline constexpr size_t kMinBaseline = 30;
inline constexpr size_t kMinWindow = 10;
inline constexpr double kDriftSmoothing = 1e-6;
// The window keeps at most this many observations; the oldest go first beyond it.
inline constexpr size_t kMaxWindow = 1'000'000;

// The outcome of one drift evaluation.
struct DriftResult {
  DriftStatus status = DriftStatus::INSUFFICIENT_DATA;
  DriftAction action = DriftAction::NONE;
  double kl_divergence = 0.0;  // 0 when status is INSUFFICIENT_DATA
  int64_t n_baseline = 0;
  int64_t n_current = 0;
  double tau_warning = 0.3;
  double tau_critical = 0.5;
  // One sentence describing the status (derived on demand; never allocates on evaluate()).
  std::string message() const;
  // Appends message() to `out`.
  void append_message(std::string& out) const;
};

class DriftMonitor {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Clock = std::function<TimePoint()>;

  // `clock` defaults to the system clock; tests inject their own. Throws InvalidInputError
  // when `config` is invalid.
  explicit DriftMonitor(const KLDriftConfig& config = {}, Clock clock = {});

  // Sets the baseline: at least 30 finite values, else InvalidInputError ("drift.baseline").
  // Computes the 10-bin histogram and the baseline hash once; re-bins the current window.
  void set_baseline(std::span<const double> values);
  bool has_baseline() const noexcept { return !baseline_.empty(); }
  const std::vector<double>& baseline() const noexcept { return baseline_; }
  // SHA-256 hex of the baseline as canonical JSON (a list of numbers); nullopt without one.
  const std::optional<std::string>& baseline_hash() const noexcept { return baseline_hash_; }

  // Records an observation at `time` (default: now). Non-finite values throw
  // InvalidInputError ("drift.observation"). Out-of-order times are kept in time order.
  void add_observation(double value);
  void add_observation(double value, TimePoint time);

  // Drops observations older than window_days and evaluates the window.
  DriftResult evaluate();
  // Evaluates an explicit window of values (must be finite) against the baseline.
  DriftResult check(std::span<const double> values) const;

  // Observations currently held (before expiry at the next evaluate()).
  size_t window_size() const noexcept { return window_.size(); }
  const KLDriftConfig& config() const noexcept { return config_; }

 private:
  struct Observation {
    TimePoint time;
    double value;
    uint8_t bin;
  };
  size_t bin_of(double value) const noexcept;
  // KL of a window histogram against the baseline, given ln(c_i + smoothing) per bin.
  double kl_from(const std::array<int64_t, kDriftBins>& counts,
                 const std::array<double, kDriftBins>& log_counts, int64_t n) const noexcept;
  DriftResult result(double kl, int64_t n) const noexcept;
  void count(uint8_t bin, int64_t delta) noexcept;

  KLDriftConfig config_;
  Clock clock_;
  std::vector<double> baseline_;
  std::optional<std::string> baseline_hash_;
  double lo_ = 0.0;
  double width_ = 1.0;
  std::array<double, kDriftBins> log_p_{};  // ln p_i of the smoothed baseline
  std::deque<Observation> window_;          // ordered by time
  std::array<int64_t, kDriftBins> window_counts_{};
  // ln(window_counts_[i] + smoothing), refreshed only for bins whose count changed: evaluate()
  // then costs two logarithms instead of eleven.
  std::array<double, kDriftBins> window_log_counts_{};
  uint32_t dirty_bins_ = (1u << kDriftBins) - 1;
};

}  // namespace aegis
