#include "aegis/core/gates.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aegis/core/context.h"
#include "checks.h"
#include "format.h"

namespace aegis {

std::string_view to_string(GateType v) noexcept { return name_in(kGateNames, v); }

std::optional<GateType> parse_gate_type(std::string_view s) noexcept {
  return value_in<kGateNames>(s);
}

void GateResult::append_message(std::string& m) const {
  using detail::append_num4;
  const char* outcome = passed ? " gate passed: " : " gate failed: ";
  m += to_string(gate_type);
  m += outcome;
  switch (gate_type) {
    case GateType::RISK:
    case GateType::PROFIT:
      m += "posterior probability of an adverse change beyond the trigger is ";
      append_num4(m, value);
      m += passed ? " <= " : " > ";
      append_num4(m, threshold);
      break;
    case GateType::NOVELTY:
      m += "G(N) = ";
      append_num4(m, value);
      m += passed ? " >= " : " < ";
      append_num4(m, threshold);
      break;
    case GateType::COMPLEXITY:
      m += "score ";
      append_num4(m, value);
      m += passed ? " >= hard floor " : " < hard floor ";
      append_num4(m, threshold);
      m += " (not overridable)";
      break;
    case GateType::QUALITY:
      m += "score ";
      append_num4(m, value);
      m += value >= threshold ? " >= minimum " : " < minimum ";
      append_num4(m, threshold);
      if (note == GateNote::kZeroSubscore) {
        m += "; quality_subscores[";
        m += std::to_string(note_index);
        m += "] is 0";
      }
      break;
    case GateType::UTILITY:
      m += "lower confidence bound ";
      append_num4(m, value);
      m += value > threshold ? " > " : " <= ";
      append_num4(m, threshold);
      if (note == GateNote::kOverBudget) m += "; migration cost exceeds the migration budget";
      break;
  }
}

std::string GateResult::message() const {
  std::string m;
  append_message(m);
  return m;
}

const GateResult* GateEvaluationResult::get(GateType gate) const noexcept {
  const auto& r = gates[static_cast<size_t>(gate)];
  return r ? &*r : nullptr;
}

std::vector<GateResult> GateEvaluationResult::get_failures() const {
  std::vector<GateResult> out;
  for (const auto& r : gates)
    if (r && !r->passed) out.push_back(*r);
  return out;
}

int GateEvaluationResult::passed_count() const noexcept {
  return static_cast<int>(
      std::count_if(gates.begin(), gates.end(), [](const auto& r) { return r && r->passed; }));
}

int GateEvaluationResult::failed_count() const noexcept {
  return static_cast<int>(
      std::count_if(gates.begin(), gates.end(), [](const auto& r) { return r && !r->passed; }));
}

GateEvaluator::GateEvaluator() : GateEvaluator(AegisConfig()) {}

GateEvaluator::GateEvaluator(const AegisConfig& config)
    : config_(config), posterior_(), utility_(config) {}

namespace {

// (from − to) / scale for finite inputs and scale > 0, without overflow: when the difference
// overflows although the quotient need not (from = 1e308, to = −1e308), it is taken as
// from/scale − to/scale; a quotient beyond the double range saturates at ±DBL_MAX, so the
// decision record stays finite and the gate sees the limit.
double normalised_change(double from, double to, double scale) noexcept {
  double x = (from - to) / scale;
  if (!std::isfinite(x)) x = from / scale - to / scale;
  if (std::isinf(x)) x = std::copysign(std::numeric_limits<double>::max(), x);
  return x;
}

}  // namespace

double GateEvaluator::normalised_risk(double baseline, double proposed) const noexcept {
  return normalised_change(proposed, baseline, std::max(baseline, config_.parameters().epsilon_R));
}

double GateEvaluator::normalised_profit(double baseline, double proposed) const noexcept {
  return normalised_change(baseline, proposed,
                           std::max(std::fabs(baseline), config_.parameters().epsilon_P));
}

GateResult GateEvaluator::risk_like(GateType type, double x, double trigger) const noexcept {
  const double limit = config_.parameters().trigger_confidence_prob;
  const double p = posterior_.probability_exceeds(trigger, x);
  GateResult r;
  r.gate_type = type;
  r.passed = p <= limit;  // written so that NaN fails
  r.value = p;
  r.threshold = limit;
  r.posterior_probability = p;
  r.confidence = r.passed ? 1.0 - p : p;
  return r;
}

namespace {

[[noreturn]] void raise(Error e) { throw_error(std::move(e)); }

}  // namespace

GateResult GateEvaluator::evaluate_risk_gate(double baseline, double proposed) const {
  if (auto e = detail::check_unit("risk_baseline", baseline)) raise(std::move(*e));
  if (auto e = detail::check_unit("risk_proposed", proposed)) raise(std::move(*e));
  return risk_like(GateType::RISK, normalised_risk(baseline, proposed),
                   config_.parameters().risk_trigger_factor);
}

GateResult GateEvaluator::evaluate_profit_gate(double baseline, double proposed) const {
  if (auto e = detail::check_finite("profit_baseline", baseline)) raise(std::move(*e));
  if (auto e = detail::check_finite("profit_proposed", proposed)) raise(std::move(*e));
  return risk_like(GateType::PROFIT, normalised_profit(baseline, proposed),
                   config_.parameters().profit_trigger_factor);
}

GateResult GateEvaluator::evaluate_novelty_gate(double novelty_score) const {
  if (auto e = detail::check_unit("novelty_score", novelty_score)) raise(std::move(*e));
  const AegisParameters& p = config_.parameters();
  GateResult r;
  r.gate_type = GateType::NOVELTY;
  r.value = 1.0 / (1.0 + std::exp(-p.novelty_k * (novelty_score - p.novelty_N0)));
  r.threshold = p.novelty_threshold;
  r.passed = r.value >= r.threshold;
  return r;
}

GateResult GateEvaluator::evaluate_complexity_gate(double complexity_score) const {
  if (auto e = detail::check_unit("complexity_score", complexity_score)) raise(std::move(*e));
  GateResult r;
  r.gate_type = GateType::COMPLEXITY;
  r.value = complexity_score;
  r.threshold = config_.parameters().complexity_floor;
  r.passed = r.value >= r.threshold;
  return r;
}

GateResult GateEvaluator::quality_unchecked(double score,
                                            std::span<const double> subscores) const noexcept {
  const AegisParameters& p = config_.parameters();
  GateResult r;
  r.gate_type = GateType::QUALITY;
  r.value = score;
  r.threshold = p.quality_min_score;
  r.passed = score >= p.quality_min_score;
  if (p.quality_no_zero_subscore) {
    for (size_t i = 0; i < subscores.size(); ++i) {
      if (subscores[i] == 0.0) {
        r.passed = false;
        r.note = GateNote::kZeroSubscore;
        r.note_index = static_cast<int32_t>(i);
        break;
      }
    }
  }
  return r;
}

GateResult GateEvaluator::evaluate_quality_gate(double quality_score,
                                                std::span<const double> quality_subscores) const {
  if (auto e = detail::check_unit("quality_score", quality_score)) raise(std::move(*e));
  if (auto e = detail::check_subscores(quality_subscores)) raise(std::move(*e));
  return quality_unchecked(quality_score, quality_subscores);
}

GateResult GateEvaluator::utility_unchecked(const UtilityResult& u) const noexcept {
  const AegisParameters& p = config_.parameters();
  const double theta = p.utility_threshold;
  const bool within_budget = u.within_budget && u.components.migration_cost <= p.migration_budget;
  GateResult r;
  r.gate_type = GateType::UTILITY;
  r.value = u.lcb;
  r.threshold = theta;
  r.passed = u.lcb > theta && within_budget;
  if (!within_budget) r.note = GateNote::kOverBudget;
  const double pu = u.standard_error > 0
                        ? normal_cdf((u.expected_utility - theta) / u.standard_error)
                        : (u.expected_utility > theta ? 1.0 : 0.0);
  r.confidence = r.passed ? pu : 1.0 - pu;
  return r;
}

GateResult GateEvaluator::evaluate_utility_gate(const UtilityResult& utility_result) const {
  if (auto e = validate_utility_result(utility_result)) raise(std::move(*e));
  return utility_unchecked(utility_result);
}

GateEvaluationResult GateEvaluator::evaluate_all(const GateInputs& in) const {
  GateEvaluationResult out;
  auto put = [&out](GateResult r) { out.gates[static_cast<size_t>(r.gate_type)] = r; };
  put(evaluate_risk_gate(in.risk_baseline, in.risk_proposed));
  put(evaluate_profit_gate(in.profit_baseline, in.profit_proposed));
  put(evaluate_novelty_gate(in.novelty_score));
  put(evaluate_complexity_gate(in.complexity_score));
  put(evaluate_quality_gate(in.quality_score, in.quality_subscores));
  if (in.utility_result) put(evaluate_utility_gate(*in.utility_result));

  bool complexity_failed = false;
  for (const auto& r : out.gates) {
    if (!r) continue;
    if (!r->passed) {
      out.all_passed = false;
      complexity_failed |= r->gate_type == GateType::COMPLEXITY;
    }
    if (r->confidence) out.min_confidence = std::min(out.min_confidence, *r->confidence);
  }
  out.override_eligible = !out.all_passed && !complexity_failed;
  return out;
}

GateInputs gate_inputs(const PCWContext& c) noexcept {
  return GateInputs{
      .risk_baseline = c.risk_baseline,
      .risk_proposed = c.risk_proposed,
      .profit_baseline = c.profit_baseline,
      .profit_proposed = c.profit_proposed,
      .novelty_score = c.novelty_score,
      .complexity_score = c.complexity_score,
      .quality_score = c.quality_score,
      .quality_subscores = c.quality_subscores,
      .utility_result = c.utility_result ? &*c.utility_result : nullptr,
  };
}

GateEvaluationResult GateEvaluator::evaluate_all(const PCWContext& c) const {
  return evaluate_all(gate_inputs(c));
}

}  // namespace aegis
