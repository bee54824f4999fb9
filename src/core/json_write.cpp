// Serialisation: the fast decision writer, canonical JSON, and nlohmann forms of results.
#include <dragonbox/dragonbox.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>

#include "aegis/context_fields.h"
#include "aegis/errors/core.h"
#include "aegis/json.h"
#include "json_writer.h"

namespace aegis {
namespace detail {

namespace {

[[noreturn]] void not_finite() {
  throw_error(Error(errors::kJsonNotFinite, "", "JSON cannot carry a non-finite number"));
}

// "00" to "99", for writing two digits at a time.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

// Writes the decimal digits of `s` so that they end at `end`; returns where they begin.
char* digits_before(uint64_t s, char* end) {
  char* p = end;
  while (s >= 100) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[2 * (s % 100)], 2);
    s /= 100;
  }
  if (s >= 10) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[2 * s], 2);
  } else {
    *--p = static_cast<char>('0' + s);
  }
  return p;
}

// Formats a finite, non-zero double in ECMAScript Number::toString form into buf (≥ 32 bytes);
// at most 24 characters. The shortest round-trip digits come from Dragonbox (to_decimal:
// significand × 10^exponent, trailing zeros removed); the layout is ECMAScript's.
size_t format_es(double v, char* buf) {
  const auto d = jkj::dragonbox::to_decimal(v);
  char* o = buf;
  if (d.is_negative) *o++ = '-';
  char space[20];
  const char* digits = digits_before(d.significand, space + sizeof space);
  const int k = static_cast<int>(space + sizeof space - digits);
  const int n = d.exponent + k;  // position of the decimal point relative to the digits
  auto put = [&o](const char* s, int len) {
    std::memcpy(o, s, static_cast<size_t>(len));
    o += len;
  };
  if (k <= n && n <= 21) {
    put(digits, k);
    for (int i = k; i < n; ++i) *o++ = '0';
  } else if (0 < n && n <= 21) {
    put(digits, n);
    *o++ = '.';
    put(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = n; i < 0; ++i) *o++ = '0';
    put(digits, k);
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      put(digits + 1, k - 1);
    }
    *o++ = 'e';
    *o++ = n - 1 >= 0 ? '+' : '-';
    o = std::to_chars(o, o + 8, std::abs(n - 1)).ptr;
  }
  return static_cast<size_t>(o - buf);
}

}  // namespace

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) not_finite();
  after_key_ = false;
  room(32);
  if (v == 0.0) {
    *p_++ = '0';
    return;
  }
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  Memo& m = memo_[(bits * 0x9E3779B97F4A7C15ULL) >> 60];
  if (m.bits != bits) {
    m.bits = bits;
    m.len = format_es(v, m.text);
  }
  std::memcpy(p_, m.text, sizeof m.text);
  p_ += m.len;
}

void JsonWriter::integer(int64_t v) {
  after_key_ = false;
  room(24);
  p_ = std::to_chars(p_, p_ + 24, v).ptr;
}

namespace {

// True when any of the 8 bytes in `w` needs escaping: < 0x20, '"' or '\\' (SWAR test).
bool needs_escape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void JsonWriter::string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  after_key_ = false;
  ch('"');
  size_t run = 0, i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!needs_escape8(w)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    raw(s.substr(run, i - run));
    run = ++i;
    switch (c) {
      case '"':
        raw("\\\"");
        break;
      case '\\':
        raw("\\\\");
        break;
      case '\b':
        raw("\\b");
        break;
      case '\f':
        raw("\\f");
        break;
      case '\n':
        raw("\\n");
        break;
      case '\r':
        raw("\\r");
        break;
      case '\t':
        raw("\\t");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        raw(std::string_view(esc, 6));
      }
    }
  }
  raw(s.substr(run));
  ch('"');
}

}  // namespace detail

namespace {

using detail::JsonWriter;

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Scratch space for messages, reused so that steady-state serialisation does not allocate.
std::string& scratch() {
  thread_local std::string s;
  s.clear();
  return s;
}

void write_opt(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  w.key(key);
  if (v) {
    w.number(*v);
  } else {
    w.null();
  }
}

void write_strings(JsonWriter& w, std::string_view key, const std::vector<std::string>& items) {
  w.key(key);
  w.begin_array();
  for (const auto& s : items) {
    w.element();
    w.string(s);
  }
  w.end_array();
}

// Every object below is written with its keys in code-point order, so a decision's JSON is
// canonical (docs/decision-rules.md#wire-format) as written: its hash is the SHA-256 of these exact
// bytes.

// Gates by name in code-point order: complexity, novelty, profit, quality, risk, utility.
constexpr std::array<GateType, kGateCount> kGatesByName = {GateType::COMPLEXITY, GateType::NOVELTY,
                                                           GateType::PROFIT,     GateType::QUALITY,
                                                           GateType::RISK,       GateType::UTILITY};

void write_gate(JsonWriter& w, const GateResult& g) {
  w.begin_object();
  write_opt(w, "confidence", g.confidence);
  w.key("gate_type");
  w.string(to_string(g.gate_type));
  w.key("margin");
  w.number(g.margin());
  std::string& m = scratch();
  g.append_message(m);
  w.key("message");
  w.string(m);
  w.key("passed");
  w.boolean(g.passed);
  write_opt(w, "posterior_probability", g.posterior_probability);
  w.key("threshold");
  w.number(g.threshold);
  w.key("value");
  w.number(g.value);
  w.end_object();
}

void write_gate_evaluation(JsonWriter& w, const GateEvaluationResult& ge) {
  w.begin_object();
  w.key("all_passed");
  w.boolean(ge.all_passed);
  w.key("gates");
  w.begin_object();
  for (GateType t : kGatesByName) {
    const auto& g = ge.gates[static_cast<size_t>(t)];
    if (!g) continue;
    w.key(to_string(t));
    write_gate(w, *g);
  }
  w.end_object();
  w.key("min_confidence");
  w.number(ge.min_confidence);
  w.key("override_eligible");
  w.boolean(ge.override_eligible);
  w.end_object();
}

void write_drift(JsonWriter& w, const DriftResult& d) {
  w.begin_object();
  w.key("action");
  w.string(to_string(d.action));
  w.key("kl_divergence");
  w.number(d.kl_divergence);
  std::string& m = scratch();
  d.append_message(m);
  w.key("message");
  w.string(m);
  w.key("n_baseline");
  w.integer(d.n_baseline);
  w.key("n_current");
  w.integer(d.n_current);
  w.key("status");
  w.string(to_string(d.status));
  w.key("tau_critical");
  w.number(d.tau_critical);
  w.key("tau_warning");
  w.number(d.tau_warning);
  w.end_object();
}

void write_trace(JsonWriter& w, const DecisionTrace& t) {
  w.begin_object();
  w.key("config_hash");
  w.string(t.config_hash);
  w.key("engine_version");
  w.string(t.engine_version);
  w.key("evaluation_time_ns");
  w.integer(t.evaluation_time_ns);
  w.key("gates");
  w.begin_object();
  for (GateType type : kGatesByName) {
    const auto& r = t.gate_results[static_cast<size_t>(type)];
    if (!r) continue;
    w.key(to_string(type));
    w.begin_object();
    w.key("passed");
    w.boolean(r->passed);
    w.key("threshold");
    w.number(r->threshold);
    w.key("value");
    w.number(r->value);
    w.end_object();
  }
  w.end_object();
  w.key("phase");
  w.string(to_string(t.phase));
  w.key("x_P");
  w.number(t.x_P);
  w.key("x_R");
  w.number(t.x_R);
  w.end_object();
}

void write_shadow(JsonWriter& w, const ShadowResult& s) {
  w.begin_object();
  w.key("baseline_hash");
  if (s.baseline_hash) {
    w.string(*s.baseline_hash);
  } else {
    w.null();
  }
  w.key("drift_result");
  if (s.drift_result) {
    write_drift(w, *s.drift_result);
  } else {
    w.null();
  }
  w.key("observation_values");
  w.begin_array();
  for (double v : s.observation_values) {
    w.element();
    w.number(v);
  }
  w.end_array();
  w.key("shadow_only");
  w.boolean(s.shadow_only);
  w.end_object();
}

// "2026-11-25T23:48:01.123Z" into buf (24 bytes).
size_t format_timestamp_to(char* buf, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char* p = buf;
  auto put = [&p](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  put(static_cast<int>(ymd.year()), 4);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  put(hms.hours().count(), 2);
  *p++ = ':';
  put(hms.minutes().count(), 2);
  *p++ = ':';
  put(hms.seconds().count(), 2);
  *p++ = '.';
  put(hms.subseconds().count(), 3);
  *p++ = 'Z';
  return static_cast<size_t>(p - buf);
}

void write_input(JsonWriter& w, const GateInputRef& input) {
  std::string& m = scratch();
  input.append_name(m);
  w.key("input");
  w.string(m);
}

void write_counterfactuals(JsonWriter& w, const std::vector<Counterfactual>& items) {
  w.key("counterfactuals");
  w.begin_array();
  for (const Counterfactual& c : items) {
    w.begin_object();
    w.key("achievable");
    w.boolean(c.achievable());
    w.key("current");
    w.number(c.current);
    w.key("gate");
    w.string(to_string(c.gate));
    write_input(w, c.input);
    w.key("relation");
    w.string(to_string(c.relation));
    write_opt(w, "required", c.required);
    w.end_object();
  }
  w.end_array();
}

void write_headroom(JsonWriter& w, const std::vector<GateHeadroom>& items) {
  w.key("headroom");
  w.begin_array();
  for (const GateHeadroom& h : items) {
    w.begin_object();
    w.key("current");
    w.number(h.current);
    w.key("gate");
    w.string(to_string(h.gate));
    write_input(w, h.input);
    write_opt(w, "limit", h.limit);
    w.key("relation");
    w.string(to_string(h.relation));
    w.end_object();
  }
  w.end_array();
}

// The decision's top-level fields, in the order written (code-point order).
enum Field : uint32_t {
  kConfidence,
  kConstraints,
  kCounterfactuals,
  kDecisionId,
  kDecisionTrace,
  kDriftResult,
  kFailingGates,
  kGateEvaluation,
  kGatesFailed,
  kGatesPassed,
  kHeadroom,
  kNextSteps,
  kOverrideEligible,
  kOverrideRequires,
  kRationale,
  kShadowResult,
  kStatus,
  kTimestamp,
  kFields
};
constexpr std::array<std::string_view, kFields> kFieldNames = {
    "confidence",    "constraints",   "counterfactuals",   "decision_id",       "decision_trace",
    "drift_result",  "failing_gates", "gate_evaluation",   "gates_failed",      "gates_passed",
    "headroom",      "next_steps",    "override_eligible", "override_requires", "rationale",
    "shadow_result", "status",        "timestamp"};

void write_decision(JsonWriter& w, const PCWDecision& d, uint32_t mask) {
  const auto on = [mask](Field f) { return (mask >> f & 1u) != 0; };
  w.begin_object();
  if (on(kConfidence)) {
    w.key("confidence");
    w.number(d.confidence);
  }
  if (on(kConstraints)) write_strings(w, "constraints", d.constraints);
  if (on(kCounterfactuals)) write_counterfactuals(w, d.counterfactuals);
  if (on(kDecisionId)) {
    w.key("decision_id");
    w.string(d.decision_id);
  }
  if (on(kDecisionTrace)) {
    w.key("decision_trace");
    if (d.decision_trace) {
      write_trace(w, *d.decision_trace);
    } else {
      w.null();
    }
  }
  if (on(kDriftResult)) {
    w.key("drift_result");
    if (d.drift_result) {
      write_drift(w, *d.drift_result);
    } else {
      w.null();
    }
  }
  if (on(kFailingGates)) write_strings(w, "failing_gates", d.failing_gates);
  if (on(kGateEvaluation)) {
    w.key("gate_evaluation");
    if (d.gate_evaluation) {
      write_gate_evaluation(w, *d.gate_evaluation);
    } else {
      w.null();
    }
  }
  if (on(kGatesFailed)) {
    w.key("gates_failed");
    w.integer(d.gates_failed);
  }
  if (on(kGatesPassed)) {
    w.key("gates_passed");
    w.integer(d.gates_passed);
  }
  if (on(kHeadroom)) write_headroom(w, d.headroom);
  if (on(kNextSteps)) write_strings(w, "next_steps", d.next_steps);
  if (on(kOverrideEligible)) {
    w.key("override_eligible");
    w.boolean(d.override_eligible);
  }
  if (on(kOverrideRequires)) write_strings(w, "override_requires", d.override_requires);
  if (on(kRationale)) {
    w.key("rationale");
    w.string(d.rationale);
  }
  if (on(kShadowResult)) {
    w.key("shadow_result");
    if (d.shadow_result) {
      write_shadow(w, *d.shadow_result);
    } else {
      w.null();
    }
  }
  if (on(kStatus)) {
    w.key("status");
    w.string(to_string(d.status));
  }
  if (on(kTimestamp)) {
    char ts[32];
    w.key("timestamp");
    w.string(std::string_view(ts, format_timestamp_to(ts, d.timestamp)));
  }
  w.end_object();
}

void canonical(std::string& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null:
      out += "null";
      return;
    case V::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case V::number_integer:
      append_int(out, j.get<int64_t>());
      return;
    case V::number_unsigned: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, j.get<uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case V::number_float:
      append_number(out, j.get<double>());
      return;
    case V::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (!is_valid_utf8(s))
        throw_error(Error(errors::kJsonInvalidUtf8, "", "a string is not valid UTF-8"));
      append_string(out, s);
      return;
    }
    case V::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ',';
        first = false;
        canonical(out, e);
      }
      out += ']';
      return;
    }
    case V::object: {
      // nlohmann's object is a std::map: keys ordered bytewise, which for UTF-8 is code point
      // order.
      out += '{';
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (!first) out += ',';
        first = false;
        if (!is_valid_utf8(k))
          throw_error(Error(errors::kJsonInvalidUtf8, "", "a key is not valid UTF-8"));
        append_string(out, k);
        out += ':';
        canonical(out, v);
      }
      out += '}';
      return;
    }
    case V::binary:
    case V::discarded:
      throw_error(Error(errors::kJsonWrongType, "", "value has no JSON form"));
  }
}

}  // namespace

void append_number(std::string& out, double value) {
  JsonWriter w(out);
  w.number(value);
}

void append_string(std::string& out, std::string_view s) {
  JsonWriter w(out);
  w.string(s);
}

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  canonical(out, value);
  return out;
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  char buf[32];
  return std::string(buf, format_timestamp_to(buf, t));
}

void append_decision_json(std::string& out, const PCWDecision& decision) {
  JsonWriter w(out);
  write_decision(w, decision, ~uint32_t{0});
}

void append_decision_json(std::string& out, const PCWDecision& decision,
                          const DecisionFields& fields) {
  JsonWriter w(out);
  write_decision(w, decision, fields.mask());
}

Result<DecisionFields> DecisionFields::parse(std::string_view names, std::string_view field_name) {
  DecisionFields f;
  f.mask_ = 0;
  std::string known;
  for (std::string_view n : kFieldNames) {
    if (!known.empty()) known.append(", ");
    known.append(n);
  }
  while (true) {
    const size_t comma = names.find(',');
    std::string_view name = names.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty())
      return Error(errors::kJsonFields, std::string(field_name),
                   "an empty field name in the list (expected some of: " + known + ")");
    const auto it = std::find(kFieldNames.begin(), kFieldNames.end(), name);
    if (it == kFieldNames.end()) {
      std::string why = "\"";
      why.append(name).append("\" is not a top-level field of a decision (expected some of: ");
      why.append(known).append(")");
      return Error(errors::kJsonFields, std::string(field_name), why);
    }
    f.mask_ |= 1u << static_cast<uint32_t>(it - kFieldNames.begin());
    if (comma == std::string_view::npos) break;
    names.remove_prefix(comma + 1);
  }
  return f;
}

std::string decision_to_json(const PCWDecision& decision) {
  std::string s;
  append_decision_json(s, decision);
  return s;
}

nlohmann::json gate_result_to_json(const GateResult& r) {
  std::string s;
  {
    JsonWriter w(s);
    write_gate(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json gate_evaluation_to_json(const GateEvaluationResult& r) {
  std::string s;
  {
    JsonWriter w(s);
    write_gate_evaluation(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json drift_result_to_json(const DriftResult& r) {
  std::string s;
  {
    JsonWriter w(s);
    write_drift(w, r);
  }
  return nlohmann::json::parse(s);
}

nlohmann::json utility_result_to_json(const UtilityResult& r) {
  const UtilityComponents& c = r.components;
  return {{"components",
           {{"expected_benefit", c.expected_benefit},
            {"benefit_std", c.benefit_std},
            {"n_samples", c.n_samples},
            {"disruption_probability", c.disruption_probability},
            {"migration_cost", c.migration_cost}}},
          {"expected_utility", r.expected_utility},
          {"standard_error", r.standard_error},
          {"lcb", r.lcb},
          {"cost", r.cost},
          {"z", r.z},
          {"within_budget", r.within_budget}};
}

nlohmann::json config_to_json(const AegisParameters& p) {
  return {{"epsilon_R", p.epsilon_R},
          {"epsilon_P", p.epsilon_P},
          {"risk_trigger_factor", p.risk_trigger_factor},
          {"profit_trigger_factor", p.profit_trigger_factor},
          {"trigger_confidence_prob", p.trigger_confidence_prob},
          {"novelty_N0", p.novelty_N0},
          {"novelty_k", p.novelty_k},
          {"novelty_threshold", p.novelty_threshold},
          {"complexity_floor", p.complexity_floor},
          {"quality_min_score", p.quality_min_score},
          {"quality_no_zero_subscore", p.quality_no_zero_subscore},
          {"gamma", p.gamma},
          {"kappa", p.kappa},
          {"phi_S", p.phi_S},
          {"phi_D", p.phi_D},
          {"lcb_alpha", p.lcb_alpha},
          {"migration_budget", p.migration_budget},
          {"utility_threshold", p.utility_threshold},
          {"kl_drift",
           {{"tau_warning", p.kl_drift.tau_warning},
            {"tau_critical", p.kl_drift.tau_critical},
            {"window_days", p.kl_drift.window_days}}},
          {"telemetry_url", p.telemetry_url ? nlohmann::json(*p.telemetry_url) : nullptr},
          {"telemetry_allow_insecure", p.telemetry_allow_insecure},
          {"mcp_rate_limit", p.mcp_rate_limit},
          {"telemetry_encryption_public_key",
           p.telemetry_encryption_public_key ? nlohmann::json(*p.telemetry_encryption_public_key)
                                             : nullptr},
          {"telemetry_encryption_epoch_events", p.telemetry_encryption_epoch_events},
          {"telemetry_encryption_epoch_seconds", p.telemetry_encryption_epoch_seconds}};
}

nlohmann::json context_to_json(const PCWContext& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const ContextField& f : kContextFields) {
    const std::string name(f.name);
    switch (f.type) {
      case FieldType::kText:
      case FieldType::kImpact:
        j[name] = c.*f.text;
        break;
      case FieldType::kPhase:
        j[name] = to_string(c.phase);
        break;
      case FieldType::kNumber:
        j[name] = c.*f.number;
        break;
      case FieldType::kFlag:
        j[name] = c.*f.flag;
        break;
      case FieldType::kUnitList:
        j[name] = c.quality_subscores;
        break;
      case FieldType::kObject:
        j[name] = c.metadata.is_null() ? nlohmann::json::object() : c.metadata;
        break;
      case FieldType::kUtility:
        if (c.utility_result) j[name] = utility_result_to_json(*c.utility_result)["components"];
        break;
      case FieldType::kChangeType:  // kept in metadata.change_type
        break;
    }
  }
  return j;
}

nlohmann::json error_to_json(const Error& e) {
  nlohmann::json body = {{"code", wire_code(e.kind)}, {"detail", e.detail}, {"message", e.message}};
  if (!e.field.empty()) body["field"] = e.field;
  return {{"error", body}};
}

}  // namespace aegis
