// Serialisation: the fast decision writer, canonical JSON, and nlohmann forms of results.
#include <charconv>
#include <chrono>
#include <cmath>

#include "aegis/json.h"

namespace aegis {
namespace {

[[noreturn]] void not_finite() {
  throw_error(invalid_input("json.not_finite", "", "JSON cannot carry a non-finite number"));
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Writes one JSON object; keys are ASCII literals chosen here, so they need no escaping.
class Obj {
 public:
  explicit Obj(std::string& out) : out_(out) { out_ += '{'; }
  std::string& key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += k;
    out_ += "\":";
    return out_;
  }
  void num(std::string_view k, double v) { append_number(key(k), v); }
  void integer(std::string_view k, int64_t v) { append_int(key(k), v); }
  void boolean(std::string_view k, bool v) { key(k) += v ? "true" : "false"; }
  void str(std::string_view k, std::string_view v) { append_string(key(k), v); }
  void opt_num(std::string_view k, const std::optional<double>& v) {
    if (v) {
      num(k, *v);
    } else {
      key(k) += "null";
    }
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_string_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_string(out, items[i]);
  }
  out += ']';
}

void append_gate(std::string& out, const GateResult& g) {
  Obj o(out);
  o.str("gate_type", to_string(g.gate_type));
  o.boolean("passed", g.passed);
  o.num("value", g.value);
  o.num("threshold", g.threshold);
  o.num("margin", g.margin());
  o.opt_num("confidence", g.confidence);
  o.opt_num("posterior_probability", g.posterior_probability);
  // Messages are ASCII built here from numbers and fixed words: no escaping needed.
  std::string& m = o.key("message");
  m += '"';
  g.append_message(m);
  m += '"';
  o.close();
}

void append_gates(std::string& out,
                  const std::array<std::optional<GateResult>, kGateCount>& gates) {
  Obj o(out);
  for (const auto& g : gates)
    if (g) append_gate(o.key(to_string(g->gate_type)), *g);
  o.close();
}

void append_gate_evaluation(std::string& out, const GateEvaluationResult& ge) {
  Obj o(out);
  append_gates(o.key("gates"), ge.gates);
  o.boolean("all_passed", ge.all_passed);
  o.boolean("override_eligible", ge.override_eligible);
  o.num("min_confidence", ge.min_confidence);
  o.close();
}

void append_drift(std::string& out, const DriftResult& d) {
  Obj o(out);
  o.str("status", to_string(d.status));
  o.str("action", to_string(d.action));
  o.num("kl_divergence", d.kl_divergence);
  o.integer("n_baseline", d.n_baseline);
  o.integer("n_current", d.n_current);
  o.num("tau_warning", d.tau_warning);
  o.num("tau_critical", d.tau_critical);
  std::string& m = o.key("message");
  m += '"';
  d.append_message(m);
  m += '"';
  o.close();
}

void append_trace(std::string& out, const DecisionTrace& t) {
  Obj o(out);
  o.str("config_hash", t.config_hash);
  o.str("engine_version", t.engine_version);
  o.num("x_R", t.x_R);
  o.num("x_P", t.x_P);
  Obj g(o.key("gates"));
  for (const auto& r : t.gate_results) {
    if (!r) continue;
    Obj e(g.key(to_string(r->gate_type)));
    e.boolean("passed", r->passed);
    e.num("value", r->value);
    e.num("threshold", r->threshold);
    e.close();
  }
  g.close();
  o.integer("evaluation_time_ns", t.evaluation_time_ns);
  o.close();
}

void append_shadow(std::string& out, const ShadowResult& s) {
  Obj o(out);
  if (s.drift_result) {
    append_drift(o.key("drift_result"), *s.drift_result);
  } else {
    o.key("drift_result") += "null";
  }
  std::string& v = o.key("observation_values");
  v += '[';
  for (size_t i = 0; i < s.observation_values.size(); ++i) {
    if (i) v += ',';
    append_number(v, s.observation_values[i]);
  }
  v += ']';
  if (s.baseline_hash) {
    o.str("baseline_hash", *s.baseline_hash);
  } else {
    o.key("baseline_hash") += "null";
  }
  o.boolean("shadow_only", s.shadow_only);
  o.close();
}

void append_timestamp(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[32];
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
  out.append(buf, p);
}

void canonical(std::string& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null: out += "null"; return;
    case V::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case V::number_integer: append_int(out, j.get<int64_t>()); return;
    case V::number_unsigned: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, j.get<uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case V::number_float: append_number(out, j.get<double>()); return;
    case V::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (!is_valid_utf8(s))
        throw_error(invalid_input("json.invalid_utf8", "", "a string is not valid UTF-8"));
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
          throw_error(invalid_input("json.invalid_utf8", "", "a key is not valid UTF-8"));
        append_string(out, k);
        out += ':';
        canonical(out, v);
      }
      out += '}';
      return;
    }
    case V::binary:
    case V::discarded:
      throw_error(invalid_input("json.wrong_type", "", "value has no JSON form"));
  }
}

}  // namespace

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) not_finite();
  if (v == 0.0) {
    out += '0';
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* p = buf;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[20];
  int k = 0;
  for (; *p != 'e'; ++p)
    if (*p != '.') digits[k++] = *p;
  ++p;  // 'e'
  int exp = 0;
  std::from_chars(*p == '+' ? p + 1 : p, r.ptr, exp);
  const int n = exp + 1;  // position of the decimal point relative to the digits
  if (k <= n && n <= 21) {
    out.append(digits, k);
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, n);
    out += '.';
    out.append(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out.append(digits, k);
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, k - 1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    append_int(out, std::abs(n - 1));
  }
}

void append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  canonical(out, value);
  return out;
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  std::string s;
  append_timestamp(s, t);
  return s;
}

void append_decision_json(std::string& out, const PCWDecision& d) {
  Obj o(out);
  o.str("status", to_string(d.status));
  o.num("confidence", d.confidence);
  o.integer("gates_passed", d.gates_passed);
  o.integer("gates_failed", d.gates_failed);
  append_string_list(o.key("failing_gates"), d.failing_gates);
  o.str("rationale", d.rationale);
  append_string_list(o.key("next_steps"), d.next_steps);
  append_string_list(o.key("constraints"), d.constraints);
  o.str("decision_id", d.decision_id);
  std::string& ts = o.key("timestamp");
  ts += '"';
  append_timestamp(ts, d.timestamp);
  ts += '"';
  o.boolean("override_eligible", d.override_eligible);
  append_string_list(o.key("override_requires"), d.override_requires);
  if (d.gate_evaluation) {
    append_gate_evaluation(o.key("gate_evaluation"), *d.gate_evaluation);
  } else {
    o.key("gate_evaluation") += "null";
  }
  if (d.decision_trace) {
    append_trace(o.key("decision_trace"), *d.decision_trace);
  } else {
    o.key("decision_trace") += "null";
  }
  if (d.shadow_result) {
    append_shadow(o.key("shadow_result"), *d.shadow_result);
  } else {
    o.key("shadow_result") += "null";
  }
  if (d.drift_result) {
    append_drift(o.key("drift_result"), *d.drift_result);
  } else {
    o.key("drift_result") += "null";
  }
  o.close();
}

std::string decision_to_json(const PCWDecision& decision) {
  std::string s;
  s.reserve(2048);
  append_decision_json(s, decision);
  return s;
}

nlohmann::json gate_result_to_json(const GateResult& r) {
  std::string s;
  append_gate(s, r);
  return nlohmann::json::parse(s);
}

nlohmann::json gate_evaluation_to_json(const GateEvaluationResult& r) {
  std::string s;
  append_gate_evaluation(s, r);
  return nlohmann::json::parse(s);
}

nlohmann::json drift_result_to_json(const DriftResult& r) {
  std::string s;
  append_drift(s, r);
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
          {"mcp_rate_limit", p.mcp_rate_limit}};
}

nlohmann::json context_to_json(const PCWContext& c) {
  nlohmann::json j = {{"agent_id", c.agent_id},
                      {"session_id", c.session_id},
                      {"phase", to_string(c.phase)},
                      {"proposal_summary", c.proposal_summary},
                      {"estimated_impact", c.estimated_impact},
                      {"risk_baseline", c.risk_baseline},
                      {"risk_proposed", c.risk_proposed},
                      {"profit_baseline", c.profit_baseline},
                      {"profit_proposed", c.profit_proposed},
                      {"novelty_score", c.novelty_score},
                      {"complexity_score", c.complexity_score},
                      {"quality_score", c.quality_score},
                      {"quality_subscores", c.quality_subscores},
                      {"requires_human_approval", c.requires_human_approval},
                      {"time_sensitive", c.time_sensitive},
                      {"reversible", c.reversible},
                      {"metadata", c.metadata.is_null() ? nlohmann::json::object() : c.metadata}};
  if (c.utility_result) j["utility"] = utility_result_to_json(*c.utility_result)["components"];
  return j;
}

nlohmann::json error_to_json(const Error& e) {
  nlohmann::json body = {{"code", wire_code(e.kind)}, {"detail", e.code}, {"message", e.message}};
  if (!e.field.empty()) body["field"] = e.field;
  return {{"error", body}};
}

}  // namespace aegis
