// Strict context parsing on simdjson's DOM (validates UTF-8 and depth while it parses).
#include <simdjson.h>

#include <array>
#include <cstring>
#include <optional>

#include "aegis/json.h"
#include "format.h"
#include "aegis/uuid.h"

namespace aegis {
namespace {

namespace dom = simdjson::dom;

enum Field : uint8_t {
  kAgentId,
  kSessionId,
  kPhase,
  kProposalSummary,
  kEstimatedImpact,
  kRiskBaseline,
  kRiskProposed,
  kProfitBaseline,
  kProfitProposed,
  kNoveltyScore,
  kComplexityScore,
  kQualityScore,
  kQualitySubscores,
  kUtility,
  kRequiresHumanApproval,
  kTimeSensitive,
  kReversible,
  kMetadata,
  kChangeType,
  // request fields
  kShadow,
  kDriftBaselineData,
  // CLI aliases
  kRisk,
  kRiskBase,
  kProfit,
  kProfitBase,
  kNovelty,
  kComplexity,
  kQuality,
  kRiskScore,
  kFieldCount
};
constexpr Field kFirstRequestField = kShadow;
constexpr Field kFirstAlias = kRisk;

constexpr std::array<std::string_view, kFieldCount> kNames = {"agent_id",
                                                              "session_id",
                                                              "phase",
                                                              "proposal_summary",
                                                              "estimated_impact",
                                                              "risk_baseline",
                                                              "risk_proposed",
                                                              "profit_baseline",
                                                              "profit_proposed",
                                                              "novelty_score",
                                                              "complexity_score",
                                                              "quality_score",
                                                              "quality_subscores",
                                                              "utility",
                                                              "requires_human_approval",
                                                              "time_sensitive",
                                                              "reversible",
                                                              "metadata",
                                                              "change_type",
                                                              "shadow",
                                                              "drift_baseline_data",
                                                              "risk",
                                                              "risk_base",
                                                              "profit",
                                                              "profit_base",
                                                              "novelty",
                                                              "complexity",
                                                              "quality",
                                                              "risk_score"};

// Field lookup bucketed by key length: each bucket holds a handful of names.
struct FieldTable {
  static constexpr size_t kMaxLen = 32;
  std::array<std::array<int8_t, 6>, kMaxLen + 1> by_len;
  FieldTable() {
    for (auto& b : by_len) b.fill(-1);
    for (size_t f = 0; f < kFieldCount; ++f) {
      auto& b = by_len[kNames[f].size()];
      size_t i = 0;
      while (b[i] != -1) ++i;
      b[i] = static_cast<int8_t>(f);
    }
  }
  int find(std::string_view key) const {
    if (key.size() > kMaxLen) return -1;
    for (int8_t f : by_len[key.size()]) {
      if (f < 0) return -1;
      if (std::memcmp(kNames[f].data(), key.data(), key.size()) == 0) return f;
    }
    return -1;
  }
};
const FieldTable kTable;

std::string_view type_name(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// A printable, bounded rendering of an unknown key for messages.
std::string shown_key(std::string_view key) {
  return key.size() <= 64 ? std::string(key) : std::string(key.substr(0, 64)) + "...";
}

struct Failure {
  Error error;
};

[[noreturn]] void fail(const char* code, std::string field, std::string message) {
  throw Failure{invalid_input(code, std::move(field), std::move(message))};
}

[[noreturn]] void wrong_type(const std::string& field, std::string_view expected, dom::element e) {
  fail("json.wrong_type", field,
       field + " must be " + std::string(expected) + ", got " + std::string(type_name(e.type())));
}

double get_number(const std::string& field, dom::element e) {
  double v;
  if (e.get_double().get(v) != simdjson::SUCCESS) wrong_type(field, "a number", e);
  return v;
}

bool get_bool(const std::string& field, dom::element e) {
  bool v;
  if (e.get_bool().get(v) != simdjson::SUCCESS) wrong_type(field, "a boolean", e);
  return v;
}

std::string_view get_string(const std::string& field, dom::element e) {
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) wrong_type(field, "a string", e);
  return v;
}

std::vector<double> get_numbers(const std::string& field, dom::element e) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) wrong_type(field, "an array of numbers", e);
  std::vector<double> out;
  out.reserve(a.size());
  size_t i = 0;
  for (dom::element x : a) out.push_back(get_number(field + "[" + std::to_string(i++) + "]", x));
  return out;
}

nlohmann::json to_nlohmann(const std::string& path, dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      nlohmann::json j = nlohmann::json::object();
      for (dom::key_value_pair kv : dom::object(e)) {
        std::string key(kv.key);
        if (j.contains(key))
          fail("json.duplicate_key", path + "." + key,
               "duplicate key \"" + shown_key(key) + "\" in " + path);
        j[key] = to_nlohmann(path + "." + key, kv.value);
      }
      return j;
    }
    case dom::element_type::ARRAY: {
      nlohmann::json j = nlohmann::json::array();
      size_t i = 0;
      for (dom::element x : dom::array(e))
        j.push_back(to_nlohmann(path + "[" + std::to_string(i++) + "]", x));
      return j;
    }
    case dom::element_type::INT64:
      return int64_t(e);
    case dom::element_type::UINT64:
      return uint64_t(e);
    case dom::element_type::DOUBLE:
      return double(e);
    case dom::element_type::STRING:
      return std::string(std::string_view(e));
    case dom::element_type::BOOL:
      return bool(e);
    case dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

UtilityComponents get_utility(dom::element e) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) wrong_type("utility", "an object", e);
  static constexpr std::string_view kKeys[] = {"expected_benefit", "benefit_std", "n_samples",
                                               "disruption_probability", "migration_cost"};
  std::array<dom::element, 5> val{};
  uint32_t seen = 0;
  std::optional<std::string_view> unknown;  // the least in byte order, as for the context
  for (dom::key_value_pair kv : o) {
    int idx = -1;
    for (int i = 0; i < 5; ++i)
      if (kv.key == kKeys[i]) idx = i;
    if (idx < 0) {
      if (!unknown || kv.key < *unknown) unknown = kv.key;
      continue;
    }
    const std::string field = "utility." + std::string(kv.key);
    if (seen & (1u << idx)) fail("json.duplicate_key", field, "duplicate key " + field);
    seen |= 1u << idx;
    val[static_cast<size_t>(idx)] = kv.value;
  }
  if (unknown) {
    const std::string field = "utility." + shown_key(*unknown);
    fail("json.unknown_field", field, "unknown field " + field);
  }
  // Checked in a fixed order, whatever the order of the keys.
  UtilityComponents c;
  auto number = [&](int i, double& out) {
    if (seen & (1u << i)) out = get_number("utility." + std::string(kKeys[i]), val[i]);
  };
  number(0, c.expected_benefit);
  number(1, c.benefit_std);
  if (seen & (1u << 2)) {
    int64_t n;
    if (val[2].get_int64().get(n) != simdjson::SUCCESS)
      wrong_type("utility.n_samples", "an integer", val[2]);
    c.n_samples = n;
  }
  number(3, c.disruption_probability);
  number(4, c.migration_cost);
  if (!(seen & 1u))
    fail("context.required", "utility.expected_benefit", "utility.expected_benefit is required");
  return c;
}

}  // namespace

struct ContextParser::Impl {
  Impl(const AegisConfig& config, ContextParseOptions opts)
      : calculator(config), options(opts), parser(kMaxJsonBytes) {
    // simdjson counts one level more than the containers it holds: allow exactly 64 of them.
    if (parser.allocate(4096, kMaxJsonDepth + 1) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  UtilityCalculator calculator;
  ContextParseOptions options;
  dom::parser parser;
  std::vector<char> buffer;  // padded copy of the input

  ContextRequest build(dom::element root);
};

ContextRequest ContextParser::Impl::build(dom::element root) {
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    fail("json.not_object", "",
         "a context must be a JSON object, got " + std::string(type_name(root.type())));

  ContextRequest req;
  PCWContext& c = req.context;
  c.metadata = nlohmann::json::object();
  std::array<dom::element, kFieldCount> val{};
  uint64_t seen = 0;
  // Of several unknown fields the least in byte order is named, so that the error does not
  // depend on the order of the keys (a re-serialised copy names the same field).
  std::optional<std::string_view> unknown;
  for (dom::key_value_pair kv : obj) {
    const int f = kTable.find(kv.key);
    const bool allowed =
        f >= 0 && (f < kFirstRequestField ||
                   (f < kFirstAlias ? options.request_fields : options.cli_aliases));
    if (!allowed) {
      if (!unknown || kv.key < *unknown) unknown = kv.key;
      continue;
    }
    if (seen & (uint64_t{1} << f)) {
      fail("json.duplicate_key", std::string(kv.key),
           "duplicate key \"" + std::string(kv.key) + "\"");
    }
    seen |= uint64_t{1} << f;
    val[f] = kv.value;
  }
  if (unknown) {
    const std::string key = shown_key(*unknown);
    fail("json.unknown_field", key, "unknown field \"" + key + "\"");
  }
  auto has = [&](Field f) { return (seen >> f) & 1; };
  auto name = [](Field f) { return std::string(kNames[f]); };

  // Aliases: each stands for one canonical field; giving both is ambiguous.
  static constexpr std::pair<Field, Field> kAliases[] = {
      {kRisk, kRiskProposed},         {kRiskBase, kRiskBaseline}, {kProfit, kProfitProposed},
      {kProfitBase, kProfitBaseline}, {kNovelty, kNoveltyScore},  {kComplexity, kComplexityScore},
      {kQuality, kQualityScore}};
  for (auto [alias, canonical] : kAliases) {
    if (!has(alias)) continue;
    if (has(canonical))
      fail("json.conflict", name(alias),
           name(alias) + " and " + name(canonical) + " are the same input; give one");
    val[canonical] = val[alias];
    seen |= uint64_t{1} << canonical;
  }
  if (has(kRiskScore) && !has(kRiskProposed)) {
    val[kRiskProposed] = val[kRiskScore];
    seen |= uint64_t{1} << kRiskProposed;
  }

  auto str = [&](Field f, std::string& out) {
    if (has(f)) out = get_string(name(f), val[f]);
  };
  str(kAgentId, c.agent_id);
  str(kSessionId, c.session_id);
  str(kProposalSummary, c.proposal_summary);
  str(kEstimatedImpact, c.estimated_impact);
  if (has(kPhase)) {
    const std::string_view p = get_string("phase", val[kPhase]);
    auto phase = parse_phase(p);
    if (!phase)
      fail("context.unknown_value", "phase",
           "phase must be one of plan, commit, work, got \"" + shown_key(p) + "\"");
    c.phase = *phase;
  } else if (!options.cli_defaults) {
    fail("context.required", "phase", "phase is required");
  }
  if (options.cli_defaults) {
    if (!has(kAgentId)) c.agent_id = "aegis-cli";
    if (!has(kSessionId)) c.session_id = "cli-" + new_uuid_v4();
    if (!has(kProposalSummary)) c.proposal_summary = "CLI evaluation";
    if (!has(kEstimatedImpact)) c.estimated_impact = "medium";
  }

  auto num = [&](Field f, double& out) {
    if (has(f)) out = get_number(name(f), val[f]);
  };
  num(kRiskBaseline, c.risk_baseline);
  num(kRiskProposed, c.risk_proposed);
  num(kProfitBaseline, c.profit_baseline);
  num(kProfitProposed, c.profit_proposed);
  num(kNoveltyScore, c.novelty_score);
  num(kComplexityScore, c.complexity_score);
  num(kQualityScore, c.quality_score);
  if (has(kQualitySubscores))
    c.quality_subscores = get_numbers("quality_subscores", val[kQualitySubscores]);
  auto flag = [&](Field f, bool& out) {
    if (has(f)) out = get_bool(name(f), val[f]);
  };
  flag(kRequiresHumanApproval, c.requires_human_approval);
  flag(kTimeSensitive, c.time_sensitive);
  flag(kReversible, c.reversible);
  flag(kShadow, req.shadow);
  if (has(kDriftBaselineData))
    req.drift_baseline_data = get_numbers("drift_baseline_data", val[kDriftBaselineData]);

  if (has(kMetadata)) {
    if (val[kMetadata].type() != dom::element_type::OBJECT)
      wrong_type("metadata", "an object", val[kMetadata]);
    c.metadata = to_nlohmann("metadata", val[kMetadata]);
  }
  if (has(kChangeType)) {
    const std::string_view ct = get_string("change_type", val[kChangeType]);
    if (ct != "feature" && ct != "refactor" && ct != "bugfix" && ct != "config")
      fail("context.unknown_value", "change_type",
           "change_type must be one of feature, refactor, bugfix, config, got \"" + shown_key(ct) +
               "\"");
    auto it = c.metadata.find("change_type");
    if (it != c.metadata.end() && *it != ct)
      fail("json.conflict", "change_type", "change_type differs from metadata.change_type");
    c.metadata["change_type"] = std::string(ct);
  }
  if (has(kUtility)) {
    const UtilityComponents comp = get_utility(val[kUtility]);
    if (auto e = validate_utility_components(comp)) throw Failure{std::move(*e)};
    c.utility_result = calculator.compute(comp);
  }
  if (auto e = validate_context(c)) throw Failure{std::move(*e)};
  return req;
}

ContextParser::ContextParser(const AegisConfig& config, ContextParseOptions options)
    : impl_(std::make_unique<Impl>(config, options)) {}
ContextParser::~ContextParser() = default;
ContextParser::ContextParser(ContextParser&&) noexcept = default;
ContextParser& ContextParser::operator=(ContextParser&&) noexcept = default;

Result<ContextRequest> ContextParser::parse(std::string_view json) {
  auto& buf = impl_->buffer;
  if (buf.size() < json.size() + kJsonPadding) buf.resize(json.size() + kJsonPadding);
  std::memcpy(buf.data(), json.data(), json.size());
  return parse_padded(buf.data(), json.size());
}

Result<ContextRequest> ContextParser::parse_padded(const char* data, size_t size) {
  static_assert(simdjson::SIMDJSON_PADDING <= kJsonPadding);
  if (size > kMaxJsonBytes) {
    return Error{ErrorKind::kPayloadTooLarge, "json.too_large", "",
                 "the document is " + std::to_string(size) + " bytes, over the limit of " +
                     std::to_string(kMaxJsonBytes)};
  }
  const std::string_view text(data, size);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return invalid_input("json.empty", "", "the input is empty");
  dom::element root;
  const auto err = impl_->parser.parse(data, size, false).get(root);
  // Whatever the error, the strict reader (read_json) says it first when it objects to the
  // bytes: every surface reports a syntax, UTF-8, depth, duplicate-key or number-range problem
  // the same way, before any problem with the values.
  auto structural_first = [&](Error fallback) -> Error {
    auto strict = read_json(text);
    return strict ? std::move(fallback) : strict.error();
  };
  if (err != simdjson::SUCCESS)
    return structural_first(invalid_input(
        "json.syntax", "", std::string("malformed JSON: ") + simdjson::error_message(err)));
  try {
    return impl_->build(root);
  } catch (Failure& f) {
    return structural_first(std::move(f.error));
  } catch (const AegisError& e) {
    return structural_first(e.error());
  }
}

}  // namespace aegis
