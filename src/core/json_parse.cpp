// Strict context parsing on simdjson's DOM (validates UTF-8 and depth while it parses).
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "aegis/core/context_fields.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "format.h"

namespace aegis {
namespace {

namespace dom = simdjson::dom;

// A key the reader knows, by index: the context's fields (kContextFields, same order), then the
// request fields, then the CLI aliases (each field's cli_alias, in the table's order, and
// risk_score).
using Field = size_t;
constexpr Field kSubscores = context_field_index(FieldType::kUnitList);
constexpr Field kUtility = context_field_index(FieldType::kUtility);
constexpr Field kMetadata = context_field_index(FieldType::kObject);
constexpr Field kChangeType = context_field_index(FieldType::kChangeType);
constexpr Field kShadow = kContextFieldCount;
constexpr Field kDriftBaselineData = kShadow + 1;
constexpr Field kFirstRequestField = kShadow;
constexpr Field kFirstAlias = kDriftBaselineData + 1;

// The canonical field of each CLI alias, in order, and how many there are.
constexpr auto kAliasOf = [] {
  std::array<Field, kContextFieldCount> of{};
  size_t n = 0;
  for (Field f = 0; f < kContextFieldCount; ++f)
    if (!kContextFields[f].cli_alias.empty()) of[n++] = f;
  return std::pair{of, n};
}();
constexpr size_t kAliasCount = kAliasOf.second;
// risk_score stands for the field aliased "risk" when that is not given (the reference MCP's name).
constexpr Field kRiskScore = kFirstAlias + kAliasCount;
constexpr Field kRiskScoreFor = [] {
  Field f = 0;
  while (kContextFields[f].cli_alias != "risk") ++f;
  return f;
}();
constexpr Field kFieldCount = kRiskScore + 1;
static_assert(kFieldCount <= 64, "the reader keeps the keys it saw in one 64-bit set");

constexpr std::array<std::string_view, kFieldCount> kNames = [] {
  std::array<std::string_view, kFieldCount> names{};
  for (Field f = 0; f < kContextFieldCount; ++f) names[f] = kContextFields[f].name;
  names[kShadow] = "shadow";
  names[kDriftBaselineData] = "drift_baseline_data";
  for (size_t i = 0; i < kAliasCount; ++i)
    names[kFirstAlias + i] = kContextFields[kAliasOf.first[i]].cli_alias;
  names[kRiskScore] = "risk_score";
  return names;
}();

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

[[noreturn]] void fail(const ErrorCode& code, std::string field, std::string message) {
  throw Failure{Error(code, std::move(field), std::move(message))};
}

// The getters take the field's name as a view: its string is made only for an error.
[[noreturn]] void wrong_type(std::string_view field, std::string_view expected, dom::element e) {
  fail(errors::kJsonWrongType, std::string(field),
       std::string(field) + " must be " + std::string(expected) + ", got " +
           std::string(type_name(e.type())));
}

double get_number(std::string_view field, dom::element e) {
  double v;
  if (e.get_double().get(v) != simdjson::SUCCESS) wrong_type(field, "a number", e);
  return v;
}

bool get_bool(std::string_view field, dom::element e) {
  bool v;
  if (e.get_bool().get(v) != simdjson::SUCCESS) wrong_type(field, "a boolean", e);
  return v;
}

std::string_view get_string(std::string_view field, dom::element e) {
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) wrong_type(field, "a string", e);
  return v;
}

std::vector<double> get_numbers(std::string_view field, dom::element e) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) wrong_type(field, "an array of numbers", e);
  std::vector<double> out;
  out.reserve(a.size());
  size_t i = 0;
  for (dom::element x : a) {
    double v;
    if (x.get_double().get(v) != simdjson::SUCCESS)
      wrong_type(std::string(field) + "[" + std::to_string(i) + "]", "a number", x);
    out.push_back(v);
    ++i;
  }
  return out;
}

nlohmann::json to_nlohmann(const std::string& path, dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      nlohmann::json j = nlohmann::json::object();
      for (dom::key_value_pair kv : dom::object(e)) {
        std::string key(kv.key);
        if (j.contains(key))
          fail(errors::kJsonDuplicateKey, path + "." + key,
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
    if (seen & (1u << idx)) fail(errors::kJsonDuplicateKey, field, "duplicate key " + field);
    seen |= 1u << idx;
    val[static_cast<size_t>(idx)] = kv.value;
  }
  if (unknown) {
    const std::string field = "utility." + shown_key(*unknown);
    fail(errors::kJsonUnknownField, field, "unknown field " + field);
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
    fail(errors::kContextRequired, "utility.expected_benefit",
         "utility.expected_benefit is required");
  return c;
}

// The values of the known keys of a context object, by field, and which of them were given.
struct KnownKeys {
  std::array<dom::element, kFieldCount> val{};
  uint64_t seen = 0;

  bool has(Field f) const { return ((seen >> f) & 1) != 0; }
  void set(Field f, dom::element e) {
    val[f] = e;
    seen |= uint64_t{1} << f;
  }
};

// Gives each CLI alias's value to the field it stands for (giving both is ambiguous), and
// risk_score's to its field when that is not given.
void resolve_aliases(KnownKeys& keys) {
  auto name = [](Field f) { return std::string(kNames[f]); };
  for (size_t i = 0; i < kAliasCount; ++i) {
    const Field alias = kFirstAlias + i, canonical = kAliasOf.first[i];
    if (!keys.has(alias)) continue;
    if (keys.has(canonical))
      fail(errors::kJsonConflict, name(alias),
           name(alias) + " and " + name(canonical) + " are the same input; give one");
    keys.set(canonical, keys.val[alias]);
  }
  if (keys.has(kRiskScore) && !keys.has(kRiskScoreFor))
    keys.set(kRiskScoreFor, keys.val[kRiskScore]);
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

 private:
  // Reads the known keys of `obj` the options allow; a duplicate or unknown key is an error.
  KnownKeys read_keys(dom::object obj) const;
  // Reads the fields of the context table in its order (quality_subscores, utility, metadata
  // and change_type excepted), with the CLI defaults for those missing when the options ask.
  void read_table_fields(const KnownKeys& keys, PCWContext& c) const;
  // Reads quality_subscores, the request fields, metadata, change_type and utility, in order.
  void read_other_fields(const KnownKeys& keys, ContextRequest& req) const;
};

ContextRequest ContextParser::Impl::build(dom::element root) {
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    fail(errors::kJsonNotObject, "",
         "a context must be a JSON object, got " + std::string(type_name(root.type())));

  ContextRequest req;
  PCWContext& c = req.context;
  c.metadata = nlohmann::json::object();
  KnownKeys keys = read_keys(obj);
  resolve_aliases(keys);
  read_table_fields(keys, c);
  read_other_fields(keys, req);
  if (auto e = validate_context(c)) throw Failure{std::move(*e)};
  return req;
}

KnownKeys ContextParser::Impl::read_keys(dom::object obj) const {
  KnownKeys keys;
  // Of several unknown fields the least in byte order is named, so that the error does not
  // depend on the order of the keys (a re-serialised copy names the same field).
  std::optional<std::string_view> unknown;
  for (dom::key_value_pair kv : obj) {
    const int found = kTable.find(kv.key);
    const Field f = static_cast<Field>(found);
    const bool allowed =
        found >= 0 && (f < kFirstRequestField ||
                       (f < kFirstAlias ? options.request_fields : options.cli_aliases));
    if (!allowed) {
      if (!unknown || kv.key < *unknown) unknown = kv.key;
      continue;
    }
    if (keys.has(f)) {
      fail(errors::kJsonDuplicateKey, std::string(kv.key),
           "duplicate key \"" + std::string(kv.key) + "\"");
    }
    keys.set(f, kv.value);
  }
  if (unknown) {
    const std::string key = shown_key(*unknown);
    fail(errors::kJsonUnknownField, key, "unknown field \"" + key + "\"");
  }
  return keys;
}

void ContextParser::Impl::read_table_fields(const KnownKeys& keys, PCWContext& c) const {
  visit_context_fields([&]<size_t I>() {
    constexpr const ContextField& f = kContextFields[I];
    constexpr Field field = I;
    if (!keys.has(field)) {
      if constexpr (f.type == FieldType::kPhase) {
        if (!options.cli_defaults) fail(errors::kContextRequired, "phase", "phase is required");
      }
      if constexpr (f.text != nullptr) {  // the CLI's defaults: the table's, and a fresh session
        if (options.cli_defaults)
          c.*f.text = f.default_text.empty() ? "cli-" + new_uuid_v4() : std::string(f.default_text);
      }
      return false;
    }
    if constexpr (f.type == FieldType::kPhase) {
      const std::string_view p = get_string(f.name, keys.val[I]);
      const auto phase = parse_phase(p);
      if (!phase)
        fail(errors::kContextUnknownValue, "phase",
             "phase must be one of " + joined(names_of<kPhaseNames>()) + ", got \"" + shown_key(p) +
                 "\"");
      c.phase = *phase;
    } else if constexpr (f.type == FieldType::kText || f.type == FieldType::kImpact) {
      c.*f.text = get_string(f.name, keys.val[I]);
    } else if constexpr (f.type == FieldType::kNumber) {
      c.*f.number = get_number(f.name, keys.val[I]);
    } else if constexpr (f.type == FieldType::kFlag) {
      c.*f.flag = get_bool(f.name, keys.val[I]);
    }  // the others are read by read_other_fields
    return false;
  });
}

void ContextParser::Impl::read_other_fields(const KnownKeys& keys, ContextRequest& req) const {
  PCWContext& c = req.context;
  const auto& val = keys.val;
  if (keys.has(kSubscores)) c.quality_subscores = get_numbers(kNames[kSubscores], val[kSubscores]);
  if (keys.has(kShadow)) req.shadow = get_bool(kNames[kShadow], val[kShadow]);
  if (keys.has(kDriftBaselineData))
    req.drift_baseline_data = get_numbers(kNames[kDriftBaselineData], val[kDriftBaselineData]);

  if (keys.has(kMetadata)) {
    if (val[kMetadata].type() != dom::element_type::OBJECT)
      wrong_type("metadata", "an object", val[kMetadata]);
    c.metadata = to_nlohmann("metadata", val[kMetadata]);
  }
  if (keys.has(kChangeType)) {
    const std::string_view ct = get_string("change_type", val[kChangeType]);
    if (std::find(std::begin(kChangeTypes), std::end(kChangeTypes), ct) == std::end(kChangeTypes))
      fail(
          errors::kContextUnknownValue, "change_type",
          "change_type must be one of " + joined(kChangeTypes) + ", got \"" + shown_key(ct) + "\"");
    auto it = c.metadata.find("change_type");
    if (it != c.metadata.end() && *it != ct)
      fail(errors::kJsonConflict, "change_type", "change_type differs from metadata.change_type");
    c.metadata["change_type"] = std::string(ct);
  }
  if (keys.has(kUtility)) {
    const UtilityComponents comp = get_utility(val[kUtility]);
    if (auto e = validate_utility_components(comp)) throw Failure{std::move(*e)};
    c.utility_result = calculator.compute(comp);
  }
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
    return Error{errors::kJsonTooLarge, "",
                 "the document is " + std::to_string(size) + " bytes, over the limit of " +
                     std::to_string(kMaxJsonBytes)};
  }
  const std::string_view text(data, size);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error(errors::kJsonEmpty, "", "the input is empty");
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
    return structural_first(Error(errors::kJsonSyntax, "",
                                  std::string("malformed JSON: ") + simdjson::error_message(err)));
  try {
    return impl_->build(root);
  } catch (Failure& f) {
    return structural_first(std::move(f.error));
  } catch (const AegisError& e) {
    return structural_first(e.error());
  }
}

}  // namespace aegis
