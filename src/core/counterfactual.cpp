#include "aegis/core/counterfactual.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include "format.h"

namespace aegis {

std::string_view to_string(Relation v) noexcept { return name_in(kRelationNames, v); }

std::optional<Relation> parse_relation(std::string_view s) noexcept {
  return value_in<kRelationNames>(s);
}

std::optional<GateInputRef> parse_gate_input(std::string_view name) {
  constexpr std::string_view kSub = "quality_subscores[";
  if (name.substr(0, kSub.size()) == kSub && name.size() > kSub.size() + 1 && name.back() == ']') {
    int32_t i = 0;
    const auto digits = name.substr(kSub.size(), name.size() - kSub.size() - 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (ec != std::errc() || end != digits.data() + digits.size() || i < 0) return std::nullopt;
    return GateInputRef{GateInputField::kQualitySubscore, i};
  }
  const auto field = value_in<kGateInputNames>(name);
  if (!field || *field == GateInputField::kQualitySubscore) return std::nullopt;
  return GateInputRef{*field};
}

void GateInputRef::append_name(std::string& out) const {
  out += name_in(kGateInputNames, field);
  if (field != GateInputField::kQualitySubscore) return;
  out += '[';
  out += std::to_string(index);
  out += ']';
}

std::string GateInputRef::name() const {
  std::string s;
  append_name(s);
  return s;
}

namespace {

constexpr double kMax = std::numeric_limits<double>::max();
// Distances between keys span the whole int64 range twice over.
__extension__ typedef __int128 Wide;

// Doubles mapped to integers in the same order (−0 and +0 share 0), so that "one step" is one
// representable double and a bisection on keys ends on two neighbours.
int64_t key_of(double d) noexcept {
  const auto i = std::bit_cast<int64_t>(d);
  return i < 0 ? std::numeric_limits<int64_t>::min() - i : i;
}
double double_of(int64_t k) noexcept {
  return std::bit_cast<double>(k < 0 ? std::numeric_limits<int64_t>::min() - k : k);
}

// Where a monotone predicate on one input changes: `fail` is the last value that fails and
// `pass` the first that passes, one step apart.
struct Boundary {
  double fail;
  double pass;
};

// The boundary between `current` (fails) and `end` (the passing end of the input's range), or
// nullopt when `end` fails too. `guess` is the closed-form boundary, usually within a few steps;
// `integer` inputs step by whole numbers. Evaluates `passes` O(log distance) times.
template <class Passes>
std::optional<Boundary> settle(const Passes& passes, double current, double end, double guess,
                               bool integer) {
  auto key = [integer](double v) -> int64_t {
    return integer ? static_cast<int64_t>(v) : key_of(v);
  };
  auto value = [integer](int64_t k) -> double {
    return integer ? static_cast<double>(k) : double_of(k);
  };
  const int64_t kc = key(current), ke = key(end);
  if (kc == ke) return std::nullopt;
  const int dir = ke > kc ? 1 : -1;
  // Signed distance along dir.
  auto ahead = [dir](int64_t from, int64_t to) {
    return dir * (static_cast<Wide>(to) - static_cast<Wide>(from));
  };
  auto step = [dir](int64_t from, Wide n) {
    return static_cast<int64_t>(static_cast<Wide>(from) + dir * n);
  };
  if (integer) {
    guess = dir > 0 ? std::ceil(guess) : std::floor(guess);
    if (!(std::fabs(guess) < 9.2e18)) guess = end;
  }
  int64_t kg = std::isfinite(guess) ? key(guess) : ke;
  if (ahead(kc, kg) <= 0) kg = step(kc, 1);
  if (ahead(kg, ke) < 0) kg = ke;

  int64_t f = kc, p = ke;
  if (passes(value(kg))) {
    p = kg;
    for (Wide n = 1; ahead(f, p) > 1; n *= 2) {
      const int64_t q = step(p, -n);
      if (ahead(f, q) <= 0) break;
      if (passes(value(q))) {
        p = q;
      } else {
        f = q;
        break;
      }
    }
  } else {
    f = kg;
    for (Wide n = 1;; n *= 2) {
      const int64_t q = ahead(f, ke) <= n ? ke : step(f, n);
      if (passes(value(q))) {
        p = q;
        break;
      }
      if (q == ke) return std::nullopt;
      f = q;
    }
  }
  while (ahead(f, p) > 1) {
    const int64_t m = step(f, ahead(f, p) / 2);
    (passes(value(m)) ? p : f) = m;
  }
  return Boundary{value(f), value(p)};
}

bool strict(Relation r) noexcept { return r == Relation::kBelow || r == Relation::kAbove; }

// One input of one gate: how to evaluate the gate with the input changed, its valid range, the
// direction in which the gate passes, and the closed-form boundary.
template <class Passes>
struct Probe {
  GateType gate;
  GateInputRef input;
  double current;
  Relation relation;  // toward `pass_end`
  double pass_end;    // the end of the valid range on the passing side
  double fail_end;    // and on the failing side
  double guess;       // the exact boundary in real arithmetic
  bool integer;
  const Passes& passes;
};

template <class Passes>
Probe<Passes> probe(GateType gate, GateInputRef input, double current, Relation relation, double lo,
                    double hi, double guess, const Passes& passes, bool integer = false) {
  const bool up = relation == Relation::kAtLeast || relation == Relation::kAbove;
  return Probe<Passes>{gate,         input, current, relation, up ? hi : lo,
                       up ? lo : hi, guess, integer, passes};
}

class Explainer {
 public:
  Explainer(const GateEvaluator& ev, const GateInputs& in, const GateEvaluationResult& result)
      : ev_(ev), p_(ev.config().parameters()), in_(in), result_(result) {
    out_.counterfactuals.reserve(4);
    out_.headroom.reserve(8);
  }

  GateExplanation run() {
    risk();
    profit();
    novelty();
    complexity();
    quality();
    utility();
    return std::move(out_);
  }

 private:
  bool failed(GateType g) const { return !result_.get(g)->passed; }

  // A counterfactual when the gate fails, headroom when it passes.
  template <class Passes>
  void add(const Probe<Passes>& pr) {
    const bool is_strict = strict(pr.relation);
    if (!result_.get(pr.gate)->passed) {
      Counterfactual c{pr.gate, pr.input, pr.current, std::nullopt, pr.relation};
      if (auto b = settle(pr.passes, pr.current, pr.pass_end, pr.guess, pr.integer))
        c.required = is_strict ? b->fail : b->pass;
      out_.counterfactuals.push_back(c);
      return;
    }
    GateHeadroom h{pr.gate, pr.input, pr.current, std::nullopt, pr.relation};
    // The same search with the roles swapped: from the passing current toward the failing end.
    auto fails = [&pr](double v) { return !pr.passes(v); };
    if (auto b = settle(fails, pr.current, pr.fail_end, pr.guess, pr.integer))
      h.limit = is_strict ? b->pass : b->fail;  // b's "pass" is where the gate starts to fail
    out_.headroom.push_back(h);
  }

  // The change x of the posterior's observation at which P(Δ ≥ trigger) = the limit.
  double observation_boundary(double trigger) const {
    const BayesianPosterior& post = ev_.posterior();
    const double pp = 1.0 / (post.prior_std() * post.prior_std());
    const double lp = 1.0 / (post.likelihood_std() * post.likelihood_std());
    const double precision = pp + lp;
    const double mean =
        trigger - std::sqrt(1.0 / precision) * normal_quantile(1.0 - p_.trigger_confidence_prob);
    return (mean * precision - post.prior_mean() * pp) / lp;
  }

  void risk() {
    const double rb = in_.risk_baseline;
    auto passes = [&](double v) { return ev_.evaluate_risk_gate(rb, v).passed; };
    const double guess =
        rb + observation_boundary(p_.risk_trigger_factor) * std::max(rb, p_.epsilon_R);
    add(probe(GateType::RISK, {GateInputField::kRiskProposed}, in_.risk_proposed, Relation::kAtMost,
              0.0, 1.0, guess, passes));
  }

  void profit() {
    const double pb = in_.profit_baseline;
    auto passes = [&](double v) { return ev_.evaluate_profit_gate(pb, v).passed; };
    const double guess =
        pb - observation_boundary(p_.profit_trigger_factor) * std::max(std::fabs(pb), p_.epsilon_P);
    add(probe(GateType::PROFIT, {GateInputField::kProfitProposed}, in_.profit_proposed,
              Relation::kAtLeast, -kMax, kMax, guess, passes));
  }

  void novelty() {
    auto passes = [&](double v) { return ev_.evaluate_novelty_gate(v).passed; };
    const double t = p_.novelty_threshold;
    const double guess = p_.novelty_N0 + std::log(t / (1.0 - t)) / p_.novelty_k;
    add(probe(GateType::NOVELTY, {GateInputField::kNoveltyScore}, in_.novelty_score,
              Relation::kAtLeast, 0.0, 1.0, guess, passes));
  }

  void complexity() {
    auto passes = [&](double v) { return ev_.evaluate_complexity_gate(v).passed; };
    add(probe(GateType::COMPLEXITY, {GateInputField::kComplexityScore}, in_.complexity_score,
              Relation::kAtLeast, 0.0, 1.0, p_.complexity_floor, passes));
  }

  void quality() {
    const std::span<const double> subs = in_.quality_subscores;
    auto passes = [&](double v) { return ev_.evaluate_quality_gate(v, subs).passed; };
    const auto score = probe(GateType::QUALITY, {GateInputField::kQualityScore}, in_.quality_score,
                             Relation::kAtLeast, 0.0, 1.0, p_.quality_min_score, passes);
    if (!failed(GateType::QUALITY)) {
      add(score);
      return;
    }
    if (in_.quality_score < p_.quality_min_score) add(score);
    if (!p_.quality_no_zero_subscore) return;
    size_t zeros = 0;
    for (double s : subs) zeros += s == 0.0;
    for (size_t i = 0; i < subs.size(); ++i) {
      if (subs[i] != 0.0) continue;
      Counterfactual c{GateType::QUALITY,
                       {GateInputField::kQualitySubscore, static_cast<int32_t>(i)},
                       0.0,
                       std::nullopt,
                       Relation::kNotEqual};
      if (zeros == 1 && in_.quality_score >= p_.quality_min_score) c.required = 0.0;
      out_.counterfactuals.push_back(c);
    }
  }

  void utility() {
    const UtilityResult* u = in_.utility_result;
    if (!u || !result_.get(GateType::UTILITY)) return;
    const UtilityCalculator& calc = ev_.utility_calculator();
    const UtilityComponents& c = u->components;
    // Only a result this configuration computed from its components can be re-derived.
    try {
      const UtilityResult again = calc.compute(c);
      if (again.lcb != u->lcb || again.expected_utility != u->expected_utility ||
          again.standard_error != u->standard_error || again.cost != u->cost ||
          again.within_budget != u->within_budget)
        return;
    } catch (const AegisError&) {
      return;
    }
    auto with = [&](auto change) {
      return [&, change](double v) {
        UtilityComponents x = c;
        change(x, v);
        try {
          return ev_.evaluate_utility_gate(calc.compute(x)).passed;
        } catch (const AegisError&) {
          return false;  // a value the model cannot compute never passes
        }
      };
    };
    const double gap = u->lcb - p_.utility_threshold;  // > 0 when the bound clears θ
    const double kappa = p_.kappa;
    const double n = static_cast<double>(c.n_samples);

    const auto benefit = with([](UtilityComponents& x, double v) { x.expected_benefit = v; });
    add(probe(GateType::UTILITY, {GateInputField::kExpectedBenefit}, c.expected_benefit,
              Relation::kAbove, -kMax, kMax, c.expected_benefit - gap / kappa, benefit));

    const auto spread = with([](UtilityComponents& x, double v) { x.benefit_std = v; });
    add(probe(GateType::UTILITY, {GateInputField::kBenefitStd}, c.benefit_std, Relation::kBelow,
              0.0, kMax, c.benefit_std + gap / (kappa * (p_.gamma + u->z / std::sqrt(n))), spread));

    if (c.benefit_std > 0) {
      const auto samples =
          with([](UtilityComponents& x, double v) { x.n_samples = static_cast<int64_t>(v); });
      const double clear = u->expected_utility - p_.utility_threshold;
      const double root = u->z * kappa * c.benefit_std / clear;
      add(probe(GateType::UTILITY, {GateInputField::kNSamples}, n, Relation::kAtLeast, 1.0, 0x1p62,
                clear > 0 ? root * root : 0x1p62, samples, true));
    }
    if (p_.phi_D > 0) {
      const auto disruption =
          with([](UtilityComponents& x, double v) { x.disruption_probability = v; });
      add(probe(GateType::UTILITY, {GateInputField::kDisruptionProbability},
                c.disruption_probability, Relation::kBelow, 0.0, 1.0,
                c.disruption_probability + gap / p_.phi_D, disruption));
    }

    // Two conditions meet on migration_cost: the bound (M < M*) and the budget (M ≤ budget).
    const auto cost = with([](UtilityComponents& x, double v) { x.migration_cost = v; });
    const double lcb_boundary = c.migration_cost + gap;
    const bool budget_binds = p_.migration_budget < lcb_boundary;
    add(probe(GateType::UTILITY, {GateInputField::kMigrationCost}, c.migration_cost,
              budget_binds ? Relation::kAtMost : Relation::kBelow, 0.0, kMax,
              budget_binds ? p_.migration_budget : lcb_boundary, cost));
  }

  const GateEvaluator& ev_;
  const AegisParameters& p_;
  const GateInputs& in_;
  const GateEvaluationResult& result_;
  GateExplanation out_;
};

// v with four significant digits, rounded up (`up`) or down: the nearest such decimal, moved by
// one unit in its last digit when it lies on the wrong side of v.
double directed4(double v, bool up) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, 3);
  double d = 0.0;
  std::from_chars(buf, r.ptr, d);
  if (up ? d >= v : d <= v) return d;
  // buf is "[-]D.DDDe±X": step the four digits as one integer, carrying into the exponent.
  const bool negative = buf[0] == '-';
  const char* m = buf + negative;
  int digits = (m[0] - '0') * 1000 + (m[2] - '0') * 100 + (m[3] - '0') * 10 + (m[4] - '0');
  int exponent = 0;
  std::from_chars(m + 6 + (m[6] == '+'), r.ptr, exponent);
  digits += (up != negative) ? 1 : -1;  // away from zero when rounding up a positive value
  if (digits == 10000) digits = 1000, ++exponent;
  if (digits == 999) digits = 9999, --exponent;
  char out[24];  // "-9999e-327": at most 11 bytes
  char* p = out;
  if (negative) *p++ = '-';
  p = std::to_chars(p, out + 8, digits).ptr;
  *p++ = 'e';
  p = std::to_chars(p, out + sizeof out, exponent - 3).ptr;
  std::from_chars(out, p, d);
  return d;
}

}  // namespace

GateExplanation explain_gates(const GateEvaluator& evaluator, const GateInputs& inputs,
                              const GateEvaluationResult& result) {
  return Explainer(evaluator, inputs, result).run();
}

std::string counterfactual_step(const Counterfactual& c) {
  std::string s;
  const std::string name = c.input.name();
  const double r = *c.required;
  const bool whole = c.input.field == GateInputField::kNSamples;
  auto number = [&](bool up) {
    if (whole) return std::to_string(static_cast<int64_t>(r));
    std::string text;
    detail::append_num4(text, directed4(r, up));
    return text;
  };
  switch (c.relation) {
    case Relation::kAtMost:
      s = "Lower " + name + " to at most " + number(false);
      break;
    case Relation::kAtLeast:
      s = "Raise " + name + " to at least " + number(true);
      break;
    case Relation::kBelow:
      s = "Lower " + name + " below " + number(false);
      break;
    case Relation::kAbove:
      s = "Raise " + name + " above " + number(true);
      break;
    case Relation::kNotEqual:
      s = "Make " + name + " non-zero";
      break;
  }
  s += " to pass the ";
  s += to_string(c.gate);
  s += " gate";
  return s;
}

std::string which_way_each_gate_passes(const GateEvaluator& evaluator) {
  // A reference context: the bounds of risk and profit depend on the baseline, so one is named.
  const GateInputs in{.risk_baseline = 0.1,
                      .risk_proposed = 0.1,
                      .profit_baseline = 100,
                      .profit_proposed = 100,
                      .novelty_score = 0.0,
                      .complexity_score = 1.0,
                      .quality_score = 1.0};
  const GateExplanation e = explain_gates(evaluator, in, evaluator.evaluate_all(in));
  // The boundary of `field`, rounded toward passing, or empty when every value passes.
  auto bound = [&e](GateInputField field) -> std::string {
    std::optional<double> value;
    Relation relation = Relation::kAtLeast;
    for (const Counterfactual& c : e.counterfactuals)
      if (c.input.field == field) value = c.required, relation = c.relation;
    for (const GateHeadroom& h : e.headroom)
      if (h.input.field == field) value = h.limit, relation = h.relation;
    if (!value) return {};
    const bool up = relation == Relation::kAtLeast || relation == Relation::kAbove;
    std::string text;
    detail::append_num4(text, directed4(*value, up));
    return text;
  };
  auto or_any = [](const std::string& b, const std::string& text) {
    return b.empty() ? std::string("any value") : text;
  };
  const std::string risk = bound(GateInputField::kRiskProposed);
  const std::string profit = bound(GateInputField::kProfitProposed);
  const std::string novelty = bound(GateInputField::kNoveltyScore);
  const std::string complexity = bound(GateInputField::kComplexityScore);
  const std::string quality = bound(GateInputField::kQualityScore);
  return "Which way each gate passes: risk_proposed LOW (over a "
         "risk_baseline of 0.1 it passes up to " +
         or_any(risk, risk) +
         "; the allowed rise grows with the baseline); profit_proposed not far below "
         "profit_baseline (from 100, down to " +
         or_any(profit, profit) + "); novelty_score HIGH (" +
         or_any(novelty, "from " + novelty + " up") +
         ": the novelty gate rewards novelty, so a routine proposal scored honestly low fails "
         "it; where routine work must pass, lower novelty_N0 in the configuration, never the "
         "score); complexity_score " +
         or_any(complexity, "from " + complexity + " up") + " (a hard floor); quality_score " +
         or_any(quality, "from " + quality + " up") + ", with no subscore exactly 0.";
}

}  // namespace aegis
