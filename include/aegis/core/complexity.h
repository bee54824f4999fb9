// Complexity decomposition (docs/gates.md#complexity): turns raw size measures of a change into the
// normalised complexity score the complexity gate reads (higher = simpler), with the breakdown of
// what costs most. Immutable after construction: thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace aegis {

// One raw measure: it saturates (counts as fully complex) at `saturation`.
struct ComplexityComponent {
  std::string name;
  double saturation = 1.0;  // > 0
  double weight = 1.0;      // ≥ 0
};

// What one component contributed.
struct ComplexityContribution {
  std::string name;
  double raw = 0.0;
  double normalized = 0.0;  // d_i = min(1, raw/saturation)
  double weight = 0.0;
  double contribution = 0.0;  // w_i·d_i / Σw: its share of (1 − score)
};

struct ComplexityBreakdown {
  double complexity_score = 1.0;                   // C_norm = 1 − Σ w_i·d_i / Σ w_i
  std::vector<ComplexityContribution> components;  // in declaration order
  std::string dominant_component;                  // the largest contribution ("" if all 0)
};

class ComplexityDecomposer {
 public:
  // Throws InvalidInputError: empty list, duplicate or empty name, saturation ≤ 0 or
  // non-finite, weight < 0 or non-finite, all weights 0.
  explicit ComplexityDecomposer(std::vector<ComplexityComponent> components);

  // The CI preset: files_changed (50), modules_touched (10), lines_changed (2000),
  // new_dependencies (5), equal weights.
  static ComplexityDecomposer ci_preset();

  // Throws InvalidInputError naming the component when a measure is missing, unknown,
  // negative or non-finite (a missing measure must not silently count as simple).
  ComplexityBreakdown decompose(const std::map<std::string, double>& raw) const;

  const std::vector<ComplexityComponent>& components() const noexcept { return components_; }

 private:
  std::vector<ComplexityComponent> components_;
  double total_weight_;
};

}  // namespace aegis
