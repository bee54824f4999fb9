// The JSON wire format (docs/decision-rules.md#wire-format): strict parsing of contexts,
// serialisation of decisions, gate and drift results, configs and errors, and canonical JSON for
// hashes.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/context.h"
#include "aegis/core/decide.h"
#include "aegis/core/drift.h"
#include "aegis/core/error.h"
#include "aegis/core/gates.h"

namespace aegis {

inline constexpr size_t kMaxJsonBytes = 1 << 20;  // one context document: 1 MiB
inline constexpr size_t kMaxJsonDepth = 64;
// Bytes that must be readable after the end of a document given to parse_padded.
inline constexpr size_t kJsonPadding = 64;

// Bounds of one JSON document.
struct JsonLimits {
  size_t max_bytes = kMaxJsonBytes;
  size_t max_depth = kMaxJsonDepth;  // nested arrays and objects
};

// The strict reading of JSON text every surface uses (bodies, envelopes, files): one value,
// valid UTF-8 without a byte order mark, no duplicate key at any level, at most
// `limits.max_depth` nested containers, every number a finite double (integers within 64 bits).
// Error codes, checked in this order: "json.too_large" (kind kPayloadTooLarge), "json.empty",
// "json.invalid_utf8", then, at the first offending byte: "json.syntax" (NaN and Infinity
// literals included), "json.too_deep", "json.duplicate_key" and "json.number_out_of_range",
// whose `field` is the path of the value ("metadata.a", "values[3]"). ContextParser reports
// exactly these errors for the same bytes. Thread-safe.
Result<nlohmann::json> read_json(std::string_view text, JsonLimits limits = {});
// The same, throwing InvalidInputError (PayloadTooLarge for "json.too_large").
nlohmann::json parse_json_strict(std::string_view text, JsonLimits limits = {});

// Splits the text of a JSON array into its elements' texts without reading them, so that each
// can be read on its own (an element's error stays with that element). "json.syntax" when the
// text is not an array of that shape: brackets that do not match, a missing element, text after
// the array. The views point into `text`.
Result<std::vector<std::string_view>> split_json_array(std::string_view text);

// How lenient ContextParser is beyond the strict wire format.
struct ContextParseOptions {
  // Accept the CLI aliases (risk, risk_base, profit, profit_base, novelty, complexity, quality,
  // risk_score) of docs/interfaces.md#command-line.
  bool cli_aliases = false;
  // Fill missing agent_id ("aegis-cli"), session_id ("cli-" and a UUID v4), phase ("plan"),
  // proposal_summary ("CLI evaluation") and estimated_impact ("medium"), as every surface does
  // (schema/context.schema.json). Without it they are required.
  bool cli_defaults = false;
  // Accept the request fields `shadow` and `drift_baseline_data`.
  bool request_fields = false;
};

// A parsed request: the context plus the request fields an interface documents.
struct ContextRequest {
  PCWContext context;
  bool shadow = false;
  std::optional<std::vector<double>> drift_baseline_data;
};

// Parses context JSON strictly (docs/decision-rules.md#inputs): unknown fields, duplicate keys,
// wrong types, invalid UTF-8, nesting deeper than 64, documents over 1 MiB and invalid values are
// errors naming the field. A `utility` object is turned into a UtilityResult with the
// configuration's parameters; `change_type` is validated and kept in metadata. Reuses its buffers
// between calls: one parser per thread, not thread-safe.
class ContextParser {
 public:
  explicit ContextParser(const AegisConfig& config = AegisConfig(),
                         ContextParseOptions options = {});
  ~ContextParser();
  ContextParser(ContextParser&&) noexcept;
  ContextParser& operator=(ContextParser&&) noexcept;

  // Error codes: "json.empty", "json.too_large" (kind kPayloadTooLarge), "json.syntax",
  // "json.invalid_utf8", "json.too_deep", "json.not_object", "json.duplicate_key",
  // "json.unknown_field", "json.wrong_type", "json.conflict", plus validate_context's codes.
  Result<ContextRequest> parse(std::string_view json);
  // Same, without copying: `data` must have kJsonPadding readable bytes after `size`.
  Result<ContextRequest> parse_padded(const char* data, size_t size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends the decision's JSON form (reference field names, lower-case enums, RFC 3339 UTC
// timestamp with milliseconds, `gates` keyed by gate name) to `out`. The text is canonical JSON
// (keys in code-point order, RFC 8785 numbers and strings), so it can be hashed as written. Throws
// InternalError if a number is non-finite (cannot happen for a decision pcw_decide made).
void append_decision_json(std::string& out, const PCWDecision& decision);
std::string decision_to_json(const PCWDecision& decision);

// A choice of the decision record's top-level fields, for a reader who wants less per line
// (`--batch --fields status,failing_gates,decision_id`); the default is every field. What is
// written with a choice is the same canonical JSON with the other fields left out.
class DecisionFields {
 public:
  DecisionFields() = default;
  // Comma-separated top-level names; InvalidInputError "json.fields" naming `field_name` and
  // the unknown or missing name.
  static Result<DecisionFields> parse(std::string_view names, std::string_view field_name);
  bool all() const noexcept { return mask_ == kAll; }
  uint32_t mask() const noexcept { return mask_; }

 private:
  static constexpr uint32_t kAll = ~uint32_t{0};
  uint32_t mask_ = kAll;
};
void append_decision_json(std::string& out, const PCWDecision& decision,
                          const DecisionFields& fields);

// Single results and values, as nlohmann::json for tools and tests.
nlohmann::json gate_result_to_json(const GateResult& result);
nlohmann::json gate_evaluation_to_json(const GateEvaluationResult& result);
nlohmann::json drift_result_to_json(const DriftResult& result);
nlohmann::json utility_result_to_json(const UtilityResult& result);
nlohmann::json config_to_json(const AegisParameters& params);
nlohmann::json context_to_json(const PCWContext& context);
// {"error": {"code", "message", "field"?}} with the wire code of error.kind plus `detail` =
// error.code.
nlohmann::json error_to_json(const Error& error);

// Canonical JSON (docs/decision-rules.md#wire-format): UTF-8, keys sorted by code point, no
// whitespace, numbers in the shortest round-trip form (ECMAScript formatting, as RFC 8785). Throws
// InvalidInputError for a non-finite number or invalid UTF-8.
std::string canonical_json(const nlohmann::json& value);
// RFC 8785 (JSON Canonicalization Scheme) of an nlohmann value, the form an outside party can
// recompute (npm `canonicalize`, the RFC's reference code): like canonical_json, except that every
// number is an IEEE double first (an integer above 2^53 loses its low digits, as JSON.parse
// does) and object keys are sorted by UTF-16 code units (a key with a character above U+FFFF sorts
// before one with a character in U+E000..U+FFFF). Throws InvalidInputError for a non-finite number
// or invalid UTF-8.
std::string jcs_canonical(const nlohmann::json& value);
// The ECMAScript / RFC 8785 form of a finite double ("0.1", "1e+21", "5e-7", "-0" as "0").
void append_number(std::string& out, double value);
// A JSON string literal with RFC 8785 escaping.
void append_string(std::string& out, std::string_view s);

// RFC 3339 UTC with milliseconds: "2026-11-25T23:48:01.123Z".
std::string format_timestamp(std::chrono::system_clock::time_point t);

}  // namespace aegis
