// What would pass (docs/decision-rules.md#explanations): for each failing gate, every single input
// that flips it with the others held fixed (a counterfactual), and for each passing gate how far
// each input may move before the gate fails (headroom). Closed form from the gate formulas of
// docs/gates.md, then settled on the exact double boundary of the gate as it is evaluated. Pure
// functions of immutable values: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/gates.h"
#include "aegis/core/names.h"

namespace aegis {

// The condition on an input under which its gate passes: input REL boundary.
// Wire form: "<=", ">=", "<", ">", "!=".
enum class Relation : uint8_t { kAtMost, kAtLeast, kBelow, kAbove, kNotEqual };
// The wire names of Relation, one per value.
inline constexpr EnumName<Relation> kRelationNames[] = {
    {Relation::kAtMost, "<="}, {Relation::kAtLeast, ">="},  {Relation::kBelow, "<"},
    {Relation::kAbove, ">"},   {Relation::kNotEqual, "!="},
};
std::string_view to_string(Relation relation) noexcept;
std::optional<Relation> parse_relation(std::string_view s) noexcept;

// An input of a gate. Wire form: the context field ("risk_proposed", "quality_subscores[2]",
// "utility.expected_benefit").
enum class GateInputField : uint8_t {
  kRiskProposed,
  kProfitProposed,
  kNoveltyScore,
  kComplexityScore,
  kQualityScore,
  kQualitySubscore,  // with an index
  kExpectedBenefit,
  kBenefitStd,
  kNSamples,  // an integer ≥ 1: its boundaries are whole numbers
  kDisruptionProbability,
  kMigrationCost,
};
// The wire names of GateInputField (kQualitySubscore is followed by "[index]").
inline constexpr EnumName<GateInputField> kGateInputNames[] = {
    {GateInputField::kRiskProposed, "risk_proposed"},
    {GateInputField::kProfitProposed, "profit_proposed"},
    {GateInputField::kNoveltyScore, "novelty_score"},
    {GateInputField::kComplexityScore, "complexity_score"},
    {GateInputField::kQualityScore, "quality_score"},
    {GateInputField::kQualitySubscore, "quality_subscores"},
    {GateInputField::kExpectedBenefit, "utility.expected_benefit"},
    {GateInputField::kBenefitStd, "utility.benefit_std"},
    {GateInputField::kNSamples, "utility.n_samples"},
    {GateInputField::kDisruptionProbability, "utility.disruption_probability"},
    {GateInputField::kMigrationCost, "utility.migration_cost"},
};

struct GateInputRef;
// The input a wire name denotes ("quality_subscores[2]"), or nullopt.
std::optional<GateInputRef> parse_gate_input(std::string_view name);

struct GateInputRef {
  GateInputField field = GateInputField::kRiskProposed;
  int32_t index = -1;  // quality_subscores[index]; -1 otherwise

  void append_name(std::string& out) const;
  std::string name() const;
  bool operator==(const GateInputRef&) const = default;
};

// One input that flips a failing gate. For kAtMost / kAtLeast the gate passes at exactly
// `required` and fails one representable step back toward `current`; for the strict relations
// (kBelow, kAbove, kNotEqual) it fails at `required` and passes one step beyond. `required` is
// empty (not achievable) when no value in the input's valid range passes with the other inputs
// as they are.
struct Counterfactual {
  GateType gate = GateType::RISK;
  GateInputRef input;
  double current = 0.0;
  std::optional<double> required;
  Relation relation = Relation::kAtMost;
  bool achievable() const noexcept { return required.has_value(); }
};

// How far one input of a passing gate may move: the gate passes while `input REL limit`
// (`limit` is the same kind of boundary as Counterfactual::required). Empty when no value in the
// input's valid range fails the gate.
struct GateHeadroom {
  GateType gate = GateType::RISK;
  GateInputRef input;
  double current = 0.0;
  std::optional<double> limit;
  Relation relation = Relation::kAtMost;
};

struct GateExplanation {
  std::vector<Counterfactual> counterfactuals;  // failing gates, in gate order
  std::vector<GateHeadroom> headroom;           // passing gates, in gate order
};

// Explains `result`, which `evaluator` computed from `inputs`. Inputs per gate: risk →
// risk_proposed; profit → profit_proposed; novelty → novelty_score; complexity →
// complexity_score; quality → quality_score (when below the minimum, or for headroom) and each
// subscore that is exactly 0 (relation "!="); utility → each UtilityComponents field the gate
// depends on, only when the result is the configuration's computation from its components (a
// UtilityResult built by hand gets none). Allocates only its result.
GateExplanation explain_gates(const GateEvaluator& evaluator, const GateInputs& inputs,
                              const GateEvaluationResult& result);

// "Lower risk_proposed to at most 0.0442 to pass the risk gate": the boundary with four
// significant digits rounded toward passing. Precondition: c.achievable().
std::string counterfactual_step(const Counterfactual& c);

// Which way each gate passes under `evaluator`'s parameters, as one paragraph with each boundary
// rounded toward passing (four significant digits), computed by explain_gates: what every MCP
// scoring guide and `aegis evaluate --help` / `gate --help` end with
// (docs/gates.md#what-each-gate-rewards).
std::string which_way_each_gate_passes(const GateEvaluator& evaluator);

}  // namespace aegis
