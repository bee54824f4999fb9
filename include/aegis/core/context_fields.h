// The context's fields, once: name, wire type, the PCWContext member, limits and default. The
// JSON reader and writer, validation and the Python binding read this table; the schema
// (schema/context.schema.json, which MCP serves as its input schema and which holds each field's
// description) is held equal to it by tests/core/test_context_fields.cpp.
// Thread-safe: constant data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "aegis/core/context.h"

namespace aegis {

// How a field is typed on the wire.
enum class FieldType : uint8_t {
  kText,       // a non-empty string of at most max_bytes (UTF-8)
  kPhase,      // one of kPhaseNames
  kImpact,     // one of kImpactNames, kept as text
  kNumber,     // a finite number in [lo, hi]
  kUnitList,   // an array of at most kMaxSubscores numbers in [0, 1]
  kUtility,    // the utility object (docs/gates.md)
  kFlag,       // true or false
  kObject,     // a JSON object (metadata)
  kChangeType  // one of feature, refactor, bugfix, config; kept in metadata.change_type
};

// The values change_type takes.
inline constexpr std::string_view kChangeTypes[] = {"feature", "refactor", "bugfix", "config"};

struct ContextField {
  std::string_view name;
  FieldType type;
  std::string PCWContext::*text = nullptr;            // kText, kImpact
  double PCWContext::*number = nullptr;               // kNumber
  bool PCWContext::*flag = nullptr;                   // kFlag
  size_t max_bytes = 0;                               // kText
  double lo = std::numeric_limits<double>::lowest();  // kNumber
  double hi = std::numeric_limits<double>::max();
  bool no_nul = false;            // kText: U+0000 refused (a key the store indexes as text)
  std::string_view default_text;  // the default of a text field; empty when none is fixed
  std::string_view cli_alias;     // the command line's short name for it ("risk"), if any
};

// In wire order, which is the schema's.
inline constexpr ContextField kContextFields[] = {
    {.name = "agent_id",
     .type = FieldType::kText,
     .text = &PCWContext::agent_id,
     .max_bytes = kMaxIdLength,
     .no_nul = true,
     .default_text = "aegis-cli"},
    {.name = "session_id",
     .type = FieldType::kText,
     .text = &PCWContext::session_id,
     .max_bytes = kMaxIdLength,
     .no_nul = true},
    {.name = "phase", .type = FieldType::kPhase, .default_text = "plan"},
    {.name = "proposal_summary",
     .type = FieldType::kText,
     .text = &PCWContext::proposal_summary,
     .max_bytes = kMaxSummaryLength,
     .default_text = "CLI evaluation"},
    {.name = "estimated_impact",
     .type = FieldType::kImpact,
     .text = &PCWContext::estimated_impact,
     .default_text = "medium"},
    {.name = "risk_baseline",
     .type = FieldType::kNumber,
     .number = &PCWContext::risk_baseline,
     .lo = 0,
     .hi = 1,
     .cli_alias = "risk_base"},
    {.name = "risk_proposed",
     .type = FieldType::kNumber,
     .number = &PCWContext::risk_proposed,
     .lo = 0,
     .hi = 1,
     .cli_alias = "risk"},
    {.name = "profit_baseline",
     .type = FieldType::kNumber,
     .number = &PCWContext::profit_baseline,
     .cli_alias = "profit_base"},
    {.name = "profit_proposed",
     .type = FieldType::kNumber,
     .number = &PCWContext::profit_proposed,
     .cli_alias = "profit"},
    {.name = "novelty_score",
     .type = FieldType::kNumber,
     .number = &PCWContext::novelty_score,
     .lo = 0,
     .hi = 1,
     .cli_alias = "novelty"},
    {.name = "complexity_score",
     .type = FieldType::kNumber,
     .number = &PCWContext::complexity_score,
     .lo = 0,
     .hi = 1,
     .cli_alias = "complexity"},
    {.name = "quality_score",
     .type = FieldType::kNumber,
     .number = &PCWContext::quality_score,
     .lo = 0,
     .hi = 1,
     .cli_alias = "quality"},
    {.name = "quality_subscores", .type = FieldType::kUnitList},
    {.name = "utility", .type = FieldType::kUtility},
    {.name = "requires_human_approval",
     .type = FieldType::kFlag,
     .flag = &PCWContext::requires_human_approval},
    {.name = "time_sensitive", .type = FieldType::kFlag, .flag = &PCWContext::time_sensitive},
    {.name = "reversible", .type = FieldType::kFlag, .flag = &PCWContext::reversible},
    {.name = "metadata", .type = FieldType::kObject},
    {.name = "change_type", .type = FieldType::kChangeType},
};
inline constexpr size_t kContextFieldCount = std::size(kContextFields);

// The row of the field named `name`, or nullptr when no field has that name.
constexpr const ContextField* context_field(std::string_view name) noexcept {
  for (const ContextField& f : kContextFields)
    if (f.name == name) return &f;
  return nullptr;
}

// Whether the library's strict reader (ContextParser without cli_defaults, the Python
// PCWContext) requires `f`: the change's identity and description, which have no neutral value.
constexpr bool library_required(const ContextField& f) noexcept {
  return f.text != nullptr || f.type == FieldType::kPhase;
}

// Calls `visit.template operator()<I>()` for each field's index I in order, until one returns
// true (then true). Unrolled at compile time: each call sees its row as a constant, so a loop
// over the table costs what the hand-written code for each field would.
template <typename Visit>
constexpr bool visit_context_fields(Visit&& visit) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return (visit.template operator()<I>() || ...);
  }
  (std::make_index_sequence<std::size(kContextFields)>{});
}

// The index of the first field of type `t` in kContextFields (kContextFieldCount when none).
constexpr size_t context_field_index(FieldType t) noexcept {
  size_t i = 0;
  while (i < kContextFieldCount && kContextFields[i].type != t) ++i;
  return i;
}

// Whether `f` takes numbers in [0, 1].
constexpr bool is_unit(const ContextField& f) noexcept {
  return f.type == FieldType::kNumber && f.lo == 0 && f.hi == 1;
}

}  // namespace aegis
