#include "aegis/core/complexity.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "aegis/core/error.h"
#include "aegis/core/errors.h"
#include "format.h"

namespace aegis {
namespace {

[[noreturn]] void bad(const ErrorCode& code, const std::string& field, const std::string& msg) {
  throw_error(Error(code, field, msg));
}

}  // namespace

ComplexityDecomposer::ComplexityDecomposer(std::vector<ComplexityComponent> components)
    : components_(std::move(components)), total_weight_(0.0) {
  if (components_.empty())
    bad(errors::kComplexityEmpty, "components", "at least one component is needed");
  std::set<std::string> names;
  for (const auto& c : components_) {
    if (c.name.empty())
      bad(errors::kComplexityInvalid, "components", "a component has an empty name");
    if (!names.insert(c.name).second)
      bad(errors::kComplexityInvalid, c.name, "component '" + c.name + "' is declared twice");
    if (!(std::isfinite(c.saturation) && c.saturation > 0))
      bad(errors::kComplexityInvalid, c.name,
          "saturation of '" + c.name + "' must be finite and > 0, got " +
              detail::num(c.saturation));
    if (!(std::isfinite(c.weight) && c.weight >= 0))
      bad(errors::kComplexityInvalid, c.name,
          "weight of '" + c.name + "' must be finite and >= 0, got " + detail::num(c.weight));
    total_weight_ += c.weight;
  }
  if (!(total_weight_ > 0) || !std::isfinite(total_weight_))
    bad(errors::kComplexityInvalid, "components", "the weights must sum to a finite value > 0");
}

ComplexityDecomposer ComplexityDecomposer::ci_preset() {
  return ComplexityDecomposer({{"files_changed", 50.0, 1.0},
                               {"modules_touched", 10.0, 1.0},
                               {"lines_changed", 2000.0, 1.0},
                               {"new_dependencies", 5.0, 1.0}});
}

ComplexityBreakdown ComplexityDecomposer::decompose(
    const std::map<std::string, double>& raw) const {
  for (const auto& entry : raw) {
    const std::string& name = entry.first;
    const bool known = std::any_of(components_.begin(), components_.end(),
                                   [&](const auto& c) { return c.name == name; });
    if (!known)
      bad(errors::kComplexityUnknownComponent, name, "unknown complexity component '" + name + "'");
  }
  ComplexityBreakdown out;
  double weighted = 0.0;
  double best = 0.0;
  for (const auto& c : components_) {
    auto it = raw.find(c.name);
    if (it == raw.end())
      bad(errors::kComplexityMissingComponent, c.name,
          "complexity component '" + c.name + "' is missing");
    const double v = it->second;
    if (!(std::isfinite(v) && v >= 0))
      bad(errors::kComplexityOutOfRange, c.name,
          "complexity component '" + c.name + "' must be finite and >= 0, got " + detail::num(v));
    ComplexityContribution k;
    k.name = c.name;
    k.raw = v;
    k.normalized = std::min(1.0, v / c.saturation);
    k.weight = c.weight;
    k.contribution = c.weight * k.normalized / total_weight_;
    weighted += c.weight * k.normalized;
    if (k.contribution > best) {
      best = k.contribution;
      out.dominant_component = c.name;
    }
    out.components.push_back(std::move(k));
  }
  out.complexity_score = 1.0 - weighted / total_weight_;
  return out;
}

}  // namespace aegis
