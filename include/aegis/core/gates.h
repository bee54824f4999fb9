// The quantitative gates (docs/gates.md): risk, profit, novelty, complexity, quality and utility.
// GateEvaluator is immutable after construction and thread-safe; its gate path allocates
// nothing and takes no locks.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/bayes.h"
#include "aegis/core/config.h"
#include "aegis/core/names.h"
#include "aegis/core/utility.h"

namespace aegis {

struct PCWContext;

// The six gates, in evaluation (and reporting) order. Wire form: "risk", "profit", ...
enum class GateType : uint8_t { RISK, PROFIT, NOVELTY, COMPLEXITY, QUALITY, UTILITY };
// The wire names of GateType, one per value.
inline constexpr EnumName<GateType> kGateNames[] = {
    {GateType::RISK, "risk"},       {GateType::PROFIT, "profit"},
    {GateType::NOVELTY, "novelty"}, {GateType::COMPLEXITY, "complexity"},
    {GateType::QUALITY, "quality"}, {GateType::UTILITY, "utility"},
};
inline constexpr size_t kGateCount = 6;
inline constexpr std::array<GateType, kGateCount> kAllGates = {
    GateType::RISK,       GateType::PROFIT,  GateType::NOVELTY,
    GateType::COMPLEXITY, GateType::QUALITY, GateType::UTILITY};

std::string_view to_string(GateType gate) noexcept;
std::optional<GateType> parse_gate_type(std::string_view s) noexcept;

// Why a gate that compares more than value and threshold came out as it did.
enum class GateNote : uint8_t {
  kNone,
  kZeroSubscore,  // quality: a subscore is exactly 0 (note_index says which)
  kOverBudget,    // utility: migration_cost > migration_budget
};

// The result of one gate. `message()` is derived from the fields on demand, so producing a
// GateResult never allocates.
struct GateResult {
  GateType gate_type = GateType::RISK;
  bool passed = false;
  double value = 0.0;
  double threshold = 0.0;
  std::optional<double> confidence;
  std::optional<double> posterior_probability;
  GateNote note = GateNote::kNone;
  int32_t note_index = -1;

  // value − threshold, the wire format's `margin` (the reference's): its sign alone does not say
  // pass or fail, since risk and profit pass below their threshold and the others above it.
  double margin() const noexcept { return value - threshold; }
  // How far the value is from the threshold on the side the gate landed: |margin| when it
  // passed, −|margin| when it failed, so positive is always the passing side (what the text
  // table, the console and the report show; docs/gates.md#distance-to-the-threshold).
  double distance() const noexcept;
  // One human sentence: what was compared and the outcome.
  std::string message() const;
  // Appends message() to `out`.
  void append_message(std::string& out) const;
};

// A gate's distance to its threshold from its outcome and its wire `margin`: |margin| when it
// passed, −|margin| when it failed (GateResult::distance; what the report computes from JSON).
inline double gate_distance(bool passed, double margin) noexcept {
  return passed ? std::fabs(margin) : -std::fabs(margin);
}
inline double GateResult::distance() const noexcept { return gate_distance(passed, margin()); }

// Inputs of evaluate_all. Designated initialisers mirror the reference's keyword arguments.
// The gate is skipped (absent from the result) only for utility, when `utility_result` is null.
struct GateInputs {
  double risk_baseline = 0.0;
  double risk_proposed = 0.0;
  double profit_baseline = 0.0;
  double profit_proposed = 0.0;
  double novelty_score = 0.5;
  double complexity_score = 0.5;
  double quality_score = 0.7;
  std::span<const double> quality_subscores;
  const UtilityResult* utility_result = nullptr;
};
// The gate inputs of a context (borrowing its subscores and utility result).
GateInputs gate_inputs(const PCWContext& context) noexcept;

// Results of all evaluated gates.
struct GateEvaluationResult {
  std::array<std::optional<GateResult>, kGateCount> gates;  // indexed by GateType
  bool all_passed = true;
  bool override_eligible = false;  // some gate failed and complexity did not
  double min_confidence = 1.0;     // over non-null confidences; 1.0 if none

  // The result of `gate`, or nullptr when it was not evaluated.
  const GateResult* get(GateType gate) const noexcept;
  // Failed gates, in gate order.
  std::vector<GateResult> get_failures() const;
  int passed_count() const noexcept;
  int failed_count() const noexcept;
  int evaluated_count() const noexcept { return passed_count() + failed_count(); }
};

// Evaluates the gates with one configuration's frozen parameters.
class GateEvaluator {
 public:
  GateEvaluator();  // default configuration
  explicit GateEvaluator(const AegisConfig& config);

  const AegisConfig& config() const noexcept { return config_; }
  const BayesianPosterior& posterior() const noexcept { return posterior_; }
  const UtilityCalculator& utility_calculator() const noexcept { return utility_; }

  // Each gate validates its inputs and throws InvalidInputError naming the field (e.g.
  // "risk_proposed") for non-finite or out-of-range values; it never passes on bad input.
  GateResult evaluate_risk_gate(double baseline, double proposed) const;
  GateResult evaluate_profit_gate(double baseline, double proposed) const;
  GateResult evaluate_novelty_gate(double novelty_score) const;
  GateResult evaluate_complexity_gate(double complexity_score) const;
  GateResult evaluate_quality_gate(double quality_score,
                                   std::span<const double> quality_subscores) const;
  GateResult evaluate_utility_gate(const UtilityResult& utility_result) const;

  // Evaluates every gate whose inputs are present (docs/gates.md#evaluating-all-gates).
  // Throws InvalidInputError.
  GateEvaluationResult evaluate_all(const GateInputs& inputs) const;
  GateEvaluationResult evaluate_all(const PCWContext& context) const;

  // The normalised adverse changes the risk and profit gates feed to the posterior
  // (docs/gates.md#risk, docs/gates.md#profit). Finite for finite inputs: a true value beyond the
  // double range saturates at ±DBL_MAX.
  double normalised_risk(double baseline, double proposed) const noexcept;
  double normalised_profit(double baseline, double proposed) const noexcept;

 private:
  GateResult risk_like(GateType type, double x, double trigger) const noexcept;
  GateResult quality_unchecked(double score, std::span<const double> subscores) const noexcept;
  GateResult utility_unchecked(const UtilityResult& u) const noexcept;

  AegisConfig config_;
  BayesianPosterior posterior_;
  UtilityCalculator utility_;
};

}  // namespace aegis
