// The inputs of one governance decision (docs/decision-rules.md#inputs). PCWContext is an
// aggregate: designated initialisers read like the reference's keyword arguments. Plain value: not
// synchronised.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/core/names.h"
#include "aegis/core/utility.h"

namespace aegis {

// Plan–Commit–Work lifecycle phase. Wire form: "plan", "commit", "work".
enum class PCWPhase { PLAN, COMMIT, WORK };
// The wire names of PCWPhase, one per value.
inline constexpr EnumName<PCWPhase> kPhaseNames[] = {
    {PCWPhase::PLAN, "plan"},
    {PCWPhase::COMMIT, "commit"},
    {PCWPhase::WORK, "work"},
};

// Impact level of a proposal. Wire form: "low", "medium", "high", "critical".
enum class Impact { LOW, MEDIUM, HIGH, CRITICAL };
// The wire names of Impact, one per value.
inline constexpr EnumName<Impact> kImpactNames[] = {
    {Impact::LOW, "low"},
    {Impact::MEDIUM, "medium"},
    {Impact::HIGH, "high"},
    {Impact::CRITICAL, "critical"},
};

std::string_view to_string(PCWPhase phase) noexcept;
std::string_view to_string(Impact impact) noexcept;
// Parses the lower-case wire form; nullopt for anything else.
std::optional<PCWPhase> parse_phase(std::string_view s) noexcept;
std::optional<Impact> parse_impact(std::string_view s) noexcept;

// Size limits that keep a context bounded (oversize input is an error, not a slowdown).
inline constexpr size_t kMaxIdLength = 256;         // agent_id, session_id (bytes)
inline constexpr size_t kMaxSummaryLength = 16384;  // proposal_summary (bytes)
inline constexpr size_t kMaxSubscores = 256;        // quality_subscores entries
// Containers (objects and arrays) metadata may nest, itself included: what fits in a context
// document of kMaxJsonDepth (64) levels, whose top object is the first. One limit: a context
// built by hand can nest no deeper than one read from JSON.
inline constexpr size_t kMaxMetadataDepth = 63;

// All inputs for a governance decision. Field names, types and defaults follow the reference;
// agent_id, session_id, proposal_summary and estimated_impact are required (non-empty).
struct PCWContext {
  std::string agent_id;
  std::string session_id;
  PCWPhase phase = PCWPhase::PLAN;
  std::string proposal_summary;
  std::string estimated_impact;  // "low" | "medium" | "high" | "critical"
  double risk_baseline = 0.0;
  double risk_proposed = 0.0;
  double profit_baseline = 0.0;
  double profit_proposed = 0.0;
  double novelty_score = 0.5;
  double complexity_score = 0.5;
  double quality_score = 0.7;
  std::vector<double> quality_subscores = {0.7, 0.7, 0.7};
  std::optional<UtilityResult> utility_result;
  bool requires_human_approval = false;
  bool time_sensitive = false;
  bool reversible = true;
  nlohmann::json metadata = nlohmann::json::object();  // any JSON object
};

// Validates every field (docs/decision-rules.md#inputs): finite numbers, [0, 1] ranges, known
// impact, non-empty bounded UTF-8 strings, metadata a JSON object of finite numbers and valid
// UTF-8. Returns the first violation as an invalid-input Error naming the field and the value, or
// nullopt. Codes: "context.required", "context.not_finite", "context.out_of_range",
// "context.unknown_value", "context.too_long", "context.invalid_utf8", "context.wrong_type".
std::optional<Error> validate_context(const PCWContext& ctx);

// The impact of a valid context. Precondition: validate_context(ctx) succeeded.
Impact context_impact(const PCWContext& ctx) noexcept;

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace aegis
