#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <fstream>
#include <random>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "test_util.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

std::string number(double v) {
  std::string s;
  append_number(s, v);
  return s;
}

TEST(CanonicalJson, NumbersUseEcmaScriptForm) {
  EXPECT_EQ(number(0.0), "0");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(1.0), "1");
  EXPECT_EQ(number(-1.5), "-1.5");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(1000.0), "1000");
  EXPECT_EQ(number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(number(1e21), "1e+21");
  EXPECT_EQ(number(1.5e300), "1.5e+300");
  EXPECT_EQ(number(0.000001), "0.000001");
  EXPECT_EQ(number(1e-7), "1e-7");
  EXPECT_EQ(number(5e-324), "5e-324");
  EXPECT_EQ(number(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(number(0.30000000000000004), "0.30000000000000004");
  EXPECT_THROW(number(NAN), InvalidInputError);
  EXPECT_THROW(number(INFINITY), InvalidInputError);
  // Shortest round trip: parsing back gives the same double.
  for (double v : {0.1, 1.0 / 3.0, 2.0 / 3.0 * 1e-9, 6.02214076e23, -9.999999999999999e-5}) {
    EXPECT_EQ(std::stod(number(v)), v);
  }
}

// ECMAScript Number::toString of a finite non-zero double, from libstdc++'s shortest
// round-trip scientific form: an oracle written independently of the writer's Dragonbox path.
std::string ecmascript_oracle(double v) {
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string text(sci, r.ptr);
  std::string out;
  if (text[0] == '-') {
    out += '-';
    text.erase(0, 1);
  }
  const size_t e = text.find('e');
  std::string digits = text.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int k = static_cast<int>(digits.size());
  const int n = std::stoi(text.substr(e + 1)) + 1;
  if (k <= n && n <= 21) return out + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return out + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return out + "0." + std::string(-n, '0') + digits;
  return out + digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "") + "e" +
         (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
}

TEST(CanonicalJson, NumbersAgreeWithAnIndependentShortestFormatter) {
  std::mt19937_64 rng(20261202);
  std::vector<double> values;
  for (int i = 0; i < 300000; ++i) {
    const double v = std::bit_cast<double>(rng());  // every exponent, subnormals included
    if (std::isfinite(v) && v != 0.0) values.push_back(v);
  }
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < 100000; ++i) values.push_back(unit(rng));  // the gates' own range
  for (int e = -330; e <= 310; ++e) {  // around every power of ten and ECMAScript's edges
    const double p = std::pow(10.0, e);
    if (!std::isfinite(p) || p == 0.0) continue;
    for (double x : {p, std::nextafter(p, 0.0), std::nextafter(p, INFINITY), 1.5 * p, -p})
      if (std::isfinite(x) && x != 0.0) values.push_back(x);
  }
  size_t wrong = 0;
  for (double v : values) {
    const std::string got = number(v);
    if (got != ecmascript_oracle(v) && ++wrong <= 5)
      ADD_FAILURE() << std::hexfloat << v << ": " << got << " vs " << ecmascript_oracle(v);
    // strtod, not stod: a subnormal is a valid result (stod throws out_of_range for it)
    if (wrong == 0 && std::strtod(got.c_str(), nullptr) != v)
      ADD_FAILURE() << got << " does not round-trip";
  }
  EXPECT_EQ(wrong, 0u) << "of " << values.size();
}

TEST(CanonicalJson, StringsAndOrdering) {
  std::string s;
  append_string(s, std::string("a\"b\\c\n\t\x01\x7f\xc3\xa9", 11));
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
  const nlohmann::json j =
      nlohmann::json::parse(R"({"b":[3,{"z":1,"a":null}],"a":true,"é":0.5,"Z":"x"})");
  EXPECT_EQ(canonical_json(j), R"({"Z":"x","a":true,"b":[3,{"a":null,"z":1}],"é":0.5})");
  nlohmann::json bad = {{"k", std::string("\xff")}};
  EXPECT_THROW(canonical_json(bad), InvalidInputError);
}

TEST(Timestamp, Rfc3339Millis) {
  using namespace std::chrono;
  const system_clock::time_point t =
      sys_days{year{2026} / 11 / 25} + hours(23) + minutes(48) + seconds(1) + milliseconds(7);
  EXPECT_EQ(format_timestamp(t), "2026-11-25T23:48:01.007Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

ContextParser strict() { return ContextParser(); }

const char* kMinimal =
    R"({"agent_id":"a","session_id":"s","phase":"plan","proposal_summary":"p","estimated_impact":"low"})";

TEST(ContextJson, ParsesEveryField) {
  auto parser = strict();
  auto r = parser.parse(R"({
    "agent_id": "agent-1", "session_id": "s-1", "phase": "commit",
    "proposal_summary": "Deploy", "estimated_impact": "high",
    "risk_baseline": 0.1, "risk_proposed": 0.15, "profit_baseline": 1000, "profit_proposed": -5.5,
    "novelty_score": 0.3, "complexity_score": 0.8, "quality_score": 0.9,
    "quality_subscores": [0.9, 1, 0.8], "requires_human_approval": true, "time_sensitive": true,
    "reversible": false, "metadata": {"ticket": "OPS-1", "n": [1, {"x": null}]},
    "change_type": "bugfix",
    "utility": {"expected_benefit": 1000, "benefit_std": 200, "n_samples": 10,
                "disruption_probability": 0.1, "migration_cost": 500}
  })");
  ASSERT_TRUE(r) << r.error().message;
  const PCWContext& c = r.value().context;
  EXPECT_EQ(c.agent_id, "agent-1");
  EXPECT_EQ(c.phase, PCWPhase::COMMIT);
  EXPECT_EQ(c.estimated_impact, "high");
  EXPECT_EQ(c.profit_baseline, 1000.0);
  EXPECT_EQ(c.profit_proposed, -5.5);
  EXPECT_EQ(c.quality_subscores, (std::vector<double>{0.9, 1.0, 0.8}));
  EXPECT_TRUE(c.requires_human_approval);
  EXPECT_TRUE(c.time_sensitive);
  EXPECT_FALSE(c.reversible);
  EXPECT_EQ(c.metadata["ticket"], "OPS-1");
  EXPECT_EQ(c.metadata["change_type"], "bugfix");
  ASSERT_TRUE(c.utility_result.has_value());
  EXPECT_EQ(c.utility_result->components.n_samples, 10);
  EXPECT_NEAR(c.utility_result->cost, 100 + 200 + 500, 1e-12);
  // Round trip through context_to_json gives the same context.
  auto again = parser.parse(context_to_json(c).dump());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(context_to_json(again.value().context), context_to_json(c));
}

TEST(ContextJson, DefaultsAndRequiredFields) {
  auto parser = strict();
  auto r = parser.parse(kMinimal);
  ASSERT_TRUE(r);
  const PCWContext& c = r.value().context;
  EXPECT_EQ(c.novelty_score, 0.5);
  EXPECT_EQ(c.quality_subscores, (std::vector<double>{0.7, 0.7, 0.7}));
  EXPECT_TRUE(c.reversible);
  EXPECT_FALSE(c.utility_result.has_value());
  for (const char* field :
       {"agent_id", "session_id", "phase", "proposal_summary", "estimated_impact"}) {
    nlohmann::json j = nlohmann::json::parse(kMinimal);
    j.erase(field);
    auto e = parser.parse(j.dump());
    ASSERT_FALSE(e) << field;
    EXPECT_EQ(e.error().field, field);
    EXPECT_EQ(e.error().detail, "context.required");
  }
}

TEST(ContextJson, IdsMustNotHoldNul) {
  // The store indexes the ids as text, which cannot hold U+0000; elsewhere it is allowed.
  ContextParser parser;
  for (const char* field : {"agent_id", "session_id"}) {
    nlohmann::json j = nlohmann::json::parse(kMinimal);
    j[field] = std::string("a\0b", 3);
    auto e = parser.parse(j.dump());
    ASSERT_FALSE(e) << field;
    EXPECT_EQ(e.error().field, field);
    EXPECT_EQ(e.error().detail, "context.nul_character");
  }
  nlohmann::json j = nlohmann::json::parse(kMinimal);
  j["proposal_summary"] = std::string("a\0b", 3);
  EXPECT_TRUE(parser.parse(j.dump()));
}

struct BadCase {
  std::string json;
  std::string code;
  std::string field;
};

TEST(ContextJson, RejectsBadInputNamingTheField) {
  auto with = [](const std::string& extra) {
    std::string s = kMinimal;
    s.pop_back();
    return s + "," + extra + "}";
  };
  const std::vector<BadCase> cases = {
      {"", "json.empty", ""},
      {"   \n", "json.empty", ""},
      {"[1,2]", "json.not_object", ""},
      {"{\"agent_id\":", "json.syntax", ""},
      {with("\"risk_proposed\": NaN"), "json.syntax", ""},
      {with("\"risk_proposed\": Infinity"), "json.syntax", ""},
      {with("\"risk_proposed\": 1e999"), "json.number_out_of_range", "risk_proposed"},
      {with("\"metadata\": {\"n\": [1, -1e999]}"), "json.number_out_of_range", "metadata.n[1]"},
      {with("\"metadata\": {\"n\": 123456789012345678901234567890}"), "json.number_out_of_range",
       "metadata.n"},
      {with("\"risk_proposed\": 1.5"), "context.out_of_range", "risk_proposed"},
      {with("\"risk_baseline\": -0.5"), "context.out_of_range", "risk_baseline"},
      {with("\"novelty_score\": 2"), "context.out_of_range", "novelty_score"},
      {with("\"complexity_score\": -1e-9"), "context.out_of_range", "complexity_score"},
      {with("\"quality_score\": 1.1"), "context.out_of_range", "quality_score"},
      {with("\"quality_subscores\": [0.5, 7]"), "context.out_of_range", "quality_subscores[1]"},
      {with("\"quality_subscores\": [0.5, \"x\"]"), "json.wrong_type", "quality_subscores[1]"},
      {with("\"quality_subscores\": 0.5"), "json.wrong_type", "quality_subscores"},
      {with("\"risk_proposed\": \"0.3\""), "json.wrong_type", "risk_proposed"},
      {with("\"profit_baseline\": null"), "json.wrong_type", "profit_baseline"},
      {with("\"reversible\": 1"), "json.wrong_type", "reversible"},
      {with("\"time_sensitive\": \"yes\""), "json.wrong_type", "time_sensitive"},
      {with("\"metadata\": []"), "json.wrong_type", "metadata"},
      {with("\"metadata\": {\"a\": 1, \"a\": 2}"), "json.duplicate_key", "metadata.a"},
      {with("\"change_type\": \"hotfix\""), "context.unknown_value", "change_type"},
      {with("\"risk_propsed\": 0.3"), "json.unknown_field", "risk_propsed"},
      {with("\"risk\": 0.3"), "json.unknown_field", "risk"},
      {with("\"shadow\": true"), "json.unknown_field", "shadow"},
      {with("\"agent_id\": \"b\""), "json.duplicate_key", "agent_id"},
      {with("\"utility\": {\"benefit_std\": 1}"), "context.required", "utility.expected_benefit"},
      {with("\"utility\": {\"expected_benefit\": 1, \"n_samples\": 2.5}"), "json.wrong_type",
       "utility.n_samples"},
      {with("\"utility\": {\"expected_benefit\": 1, \"n_samples\": 0}"), "utility.out_of_range",
       "utility.n_samples"},
      {with("\"utility\": {\"expected_benefit\": 1, \"bogus\": 0}"), "json.unknown_field",
       "utility.bogus"},
      {with("\"utility\": {\"expected_benefit\": 1, \"disruption_probability\": 1.5}"),
       "utility.out_of_range", "utility.disruption_probability"},
      {R"({"agent_id":"a","session_id":"s","phase":"PLAN","proposal_summary":"p","estimated_impact":"low"})",
       "context.unknown_value", "phase"},
      {R"({"agent_id":"a","session_id":"s","phase":"plan","proposal_summary":"p","estimated_impact":"extreme"})",
       "context.unknown_value", "estimated_impact"},
      {R"({"agent_id":"","session_id":"s","phase":"plan","proposal_summary":"p","estimated_impact":"low"})",
       "context.required", "agent_id"},
      {R"({"agent_id":5,"session_id":"s","phase":"plan","proposal_summary":"p","estimated_impact":"low"})",
       "json.wrong_type", "agent_id"},
      {"{\"agent_id\":\"\xc3\x28\"}", "json.invalid_utf8", ""},
      {"{\"agent_id\":\"\xed\xa0\x80\"}", "json.invalid_utf8", ""},
  };
  auto parser = strict();
  for (const auto& c : cases) {
    auto r = parser.parse(c.json);
    ASSERT_FALSE(r) << c.json;
    EXPECT_EQ(r.error().detail, c.code) << c.json << " -> " << r.error().message;
    EXPECT_EQ(r.error().field, c.field) << c.json << " -> " << r.error().message;
    // Malformed JSON (400) and a wrong value (422) are both invalid_input on the wire.
    EXPECT_EQ(r.error().kind, r.error().detail.starts_with("json.") ? ErrorKind::kMalformed
                                                                    : ErrorKind::kInvalidInput);
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(ContextJson, DepthLimit) {
  auto nest = [](int levels) {
    // `levels` counts the context object itself.
    std::string inner = "1";
    for (int i = 0; i < levels - 2; ++i) inner = "[" + inner + "]";
    std::string s = kMinimal;
    s.pop_back();
    return s + ",\"metadata\":{\"deep\":" + inner + "}}";
  };
  auto parser = strict();
  auto ok = parser.parse(nest(30));
  EXPECT_TRUE(ok) << ok.error().message;
  // One limit: a document of 64 levels parses whole (metadata then holds 63); 65 do not.
  auto at_limit = parser.parse(nest(64));
  EXPECT_TRUE(at_limit) << at_limit.error().message;
  auto too_deep = parser.parse(nest(65));
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().detail, "json.too_deep");
  // A context built by hand is held to the same 63 containers inside metadata.
  PCWContext c = at_limit.value().context;
  EXPECT_FALSE(validate_context(c).has_value());
  c.metadata = nlohmann::json::object({{"deep", c.metadata}});
  const auto e = validate_context(c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->detail, "context.too_deep");
}

// The context schema says what every surface does (the parser with the surfaces' defaults):
// no field is required, each default is the one filled in, every field is in the schema; and
// which fields the library's strict parser requires.
TEST(ContextJson, TheSchemaSaysWhatTheParserDoes) {
  std::ifstream in(aegis::test::source_dir() + "/schema/context.schema.json");
  const nlohmann::json schema = nlohmann::json::parse(in);
  EXPECT_EQ(schema["required"], nlohmann::json::array());
  ContextParser surfaces(AegisConfig(), {.cli_aliases = true, .cli_defaults = true});
  auto parsed = surfaces.parse("{}");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const nlohmann::json filled = context_to_json(parsed.value().context);
  for (const auto& [name, value] : filled.items()) {
    ASSERT_TRUE(schema["properties"].contains(name)) << name;
    const nlohmann::json& p = schema["properties"][name];
    if (name == "session_id") {
      EXPECT_EQ(value.get<std::string>().rfind("cli-", 0), 0u);
      EXPECT_EQ(value.get<std::string>().size(), 4u + 36u);
      EXPECT_FALSE(p.contains("default"));
      continue;
    }
    ASSERT_TRUE(p.contains("default")) << name << " is filled in but has no default";
    EXPECT_EQ(value, p["default"]) << name;
  }
  for (const auto& [name, p] : schema["properties"].items())
    if (p.contains("default") && !filled.contains(name))
      ADD_FAILURE() << name << " has a default the parser does not fill";
  // An empty string is an error, not a default.
  for (const char* field : {"agent_id", "session_id", "proposal_summary"}) {
    auto e = surfaces.parse(nlohmann::json{{field, ""}}.dump());
    ASSERT_FALSE(e) << field;
    EXPECT_EQ(e.error().field, field);
  }
  std::vector<std::string> required;
  auto strict_parser = strict();
  for (const auto& [name, p] : schema["properties"].items()) {
    nlohmann::json j = nlohmann::json::parse(kMinimal);
    if (!j.contains(name)) continue;
    j.erase(name);
    if (!strict_parser.parse(j.dump())) required.push_back(name);
  }
  std::vector<std::string> listed = schema["x-library-required"];
  std::sort(required.begin(), required.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(required, listed);
}

TEST(ContextJson, OversizeInput) {
  auto parser = strict();
  std::string big = kMinimal;
  big.pop_back();
  big += ",\"metadata\":{\"pad\":\"" + std::string(kMaxJsonBytes, 'x') + "\"}}";
  auto r = parser.parse(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "json.too_large");
  EXPECT_EQ(r.error().kind, ErrorKind::kPayloadTooLarge);
  std::string long_summary = kMinimal;
  const std::string needle = "\"proposal_summary\":\"p\"";
  long_summary.replace(long_summary.find(needle), needle.size(),
                       "\"proposal_summary\":\"" + std::string(kMaxSummaryLength + 1, 's') + "\"");
  auto r2 = parser.parse(long_summary);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().field, "proposal_summary");
}

TEST(ContextJson, CliAliasesAndDefaults) {
  ContextParser cli(AegisConfig(),
                    {.cli_aliases = true, .cli_defaults = true, .request_fields = true});
  auto r = cli.parse(R"({"risk":0.3,"risk_base":0.1,"profit":5,"profit_base":6,"novelty":0.9,
                         "complexity":0.6,"quality":0.75,"shadow":true,
                         "drift_baseline_data":[1,2,3]})");
  ASSERT_TRUE(r) << r.error().message;
  const PCWContext& c = r.value().context;
  EXPECT_EQ(c.risk_proposed, 0.3);
  EXPECT_EQ(c.risk_baseline, 0.1);
  EXPECT_EQ(c.profit_proposed, 5);
  EXPECT_EQ(c.profit_baseline, 6);
  EXPECT_EQ(c.novelty_score, 0.9);
  EXPECT_EQ(c.complexity_score, 0.6);
  EXPECT_EQ(c.quality_score, 0.75);
  EXPECT_EQ(c.agent_id, "aegis-cli");
  EXPECT_EQ(c.proposal_summary, "CLI evaluation");
  EXPECT_EQ(c.estimated_impact, "medium");
  EXPECT_EQ(c.phase, PCWPhase::PLAN);
  EXPECT_EQ(c.session_id.rfind("cli-", 0), 0u);
  EXPECT_TRUE(r.value().shadow);
  EXPECT_EQ(*r.value().drift_baseline_data, (std::vector<double>{1, 2, 3}));

  auto score = cli.parse(R"({"risk_score":0.4})");
  ASSERT_TRUE(score);
  EXPECT_EQ(score.value().context.risk_proposed, 0.4);
  auto ignored = cli.parse(R"({"risk_score":0.4,"risk":0.2})");
  ASSERT_TRUE(ignored);
  EXPECT_EQ(ignored.value().context.risk_proposed, 0.2);
  auto conflict = cli.parse(R"({"risk":0.4,"risk_proposed":0.2})");
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().detail, "json.conflict");
  EXPECT_EQ(conflict.error().field, "risk");
}

TEST(DecisionJson, CarriesEveryField) {
  ContextParser parser;
  auto r = parser.parse(kMinimal);
  ASSERT_TRUE(r);
  DriftMonitor m;
  std::vector<double> base(40);
  for (size_t i = 0; i < base.size(); ++i) base[i] = static_cast<double>(i);
  m.set_baseline(base);
  const PCWDecision d = pcw_decide(r.value().context, {.shadow_mode = true, .drift_monitor = &m});
  const nlohmann::json j = nlohmann::json::parse(decision_to_json(d));
  EXPECT_EQ(j["status"], to_string(d.status));
  EXPECT_EQ(j["confidence"].get<double>(), d.confidence);
  EXPECT_EQ(j["failing_gates"], nlohmann::json(d.failing_gates));
  EXPECT_EQ(j["rationale"], d.rationale);
  EXPECT_EQ(j["decision_id"], d.decision_id);
  EXPECT_EQ(j["timestamp"], format_timestamp(d.timestamp));
  EXPECT_EQ(j["override_requires"], nlohmann::json(d.override_requires));
  const auto& gates = j["gate_evaluation"]["gates"];
  EXPECT_EQ(gates.size(), 5u);
  EXPECT_EQ(gates["novelty"]["passed"], false);
  EXPECT_EQ(gates["novelty"]["confidence"], nullptr);
  EXPECT_EQ(gates["risk"]["value"].get<double>(), d.gate_evaluation->get(GateType::RISK)->value);
  EXPECT_EQ(gates["risk"]["message"], d.gate_evaluation->get(GateType::RISK)->message());
  EXPECT_EQ(j["decision_trace"]["config_hash"], AegisConfig().config_hash());
  EXPECT_EQ(j["shadow_result"]["shadow_only"], true);
  EXPECT_EQ(j["shadow_result"]["baseline_hash"], *m.baseline_hash());
  EXPECT_EQ(j["drift_result"]["status"], "insufficient_data");
  EXPECT_EQ(j["drift_result"]["n_current"], 1);
  EXPECT_EQ(gate_result_to_json(*d.gate_evaluation->get(GateType::RISK)), gates["risk"]);
  // Written canonical: re-canonicalising changes nothing.
  const std::string text = decision_to_json(d);
  EXPECT_EQ(canonical_json(nlohmann::json::parse(text)), text);
  EXPECT_EQ(drift_result_to_json(*d.drift_result), j["drift_result"]);
}

// A choice of fields writes exactly the full record's subset, still canonical.
TEST(DecisionJson, FieldsWriteTheChosenSubsetOfTheWholeRecord) {
  ContextParser parser;
  auto r = parser.parse(kMinimal);
  ASSERT_TRUE(r);
  const PCWDecision d = pcw_decide(r.value().context);
  const nlohmann::json whole = nlohmann::json::parse(decision_to_json(d));
  ASSERT_EQ(whole.size(), 18u);
  std::vector<std::string> names;
  for (const auto& [k, v] : whole.items()) names.push_back(k);
  std::mt19937 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::string list;
    nlohmann::json want = nlohmann::json::object();
    for (const std::string& k : names) {
      if (round < 18 ? k != names[static_cast<size_t>(round)] : rng() % 2 == 0) continue;
      list += (list.empty() ? "" : ",") + k;
      want[k] = whole[k];
    }
    if (list.empty()) continue;
    auto fields = DecisionFields::parse(list, "fields");
    ASSERT_TRUE(fields) << list;
    std::string text;
    append_decision_json(text, d, fields.value());
    EXPECT_EQ(text, canonical_json(want)) << list;
  }
  EXPECT_TRUE(DecisionFields().all());
  for (const char* bad : {"", "status,", "status,,rationale", "Status", "gate_evaluation.gates"}) {
    auto f = DecisionFields::parse(bad, "fields");
    ASSERT_FALSE(f) << bad;
    EXPECT_EQ(f.error().detail, "json.fields");
    EXPECT_EQ(f.error().field, "fields");
  }
  EXPECT_NE(DecisionFields::parse("status,verdict", "fields").error().message.find("\"verdict\""),
            std::string::npos);
}

TEST(ErrorJson, WireForm) {
  const nlohmann::json j = error_to_json(Error(errors::kContextOutOfRange, "risk_proposed", "m"));
  EXPECT_EQ(
      j,
      nlohmann::json::parse(
          R"({"error":{"code":"invalid_input","detail":"context.out_of_range","field":"risk_proposed","message":"m"}})"));
  EXPECT_FALSE(error_to_json(Error(errors::kDecideInternal, "", "m"))["error"].contains("field"));
}

}  // namespace
}  // namespace aegis

namespace aegis {
namespace {

// The strict reader every surface shares: each refusal has its code and names the path.
TEST(StrictJson, RefusalsNameTheCodeAndThePath) {
  struct Case {
    std::string text, code, field;
  };
  const std::vector<Case> cases = {
      {"", "json.empty", ""},
      {" \n\t", "json.empty", ""},
      {"{\"a\":\"\xc3\x28\"}", "json.invalid_utf8", ""},
      {"\xef\xbb\xbf{}", "json.syntax", ""},
      {"{\"a\":NaN}", "json.syntax", ""},
      {"{\"a\":Infinity}", "json.syntax", ""},
      {"{\"a\":1} {}", "json.syntax", ""},
      // nlohmann's lexer takes a NUL for the end of the input: what followed it was ignored.
      {std::string("{\"a\":1}\0{\"b\":2}", 15), "json.syntax", ""},
      {std::string("{\"a\":1}\0", 8), "json.syntax", ""},
      {std::string("{\"a\":\"x\0y\"}", 11), "json.syntax", ""},
      {"{\"a\":\"\\ud800\"}", "json.syntax", ""},
      {"{\"a\":1,\"a\":2}", "json.duplicate_key", "a"},
      {"{\"m\":{\"x\":[{\"k\":1,\"k\":2}]}}", "json.duplicate_key", "m.x[0].k"},
      {"{\"a\":1e400}", "json.number_out_of_range", "a"},
      {"{\"a\":[1,2,-1e400]}", "json.number_out_of_range", "a[2]"},
      {"1e400", "json.number_out_of_range", ""},
      {"{\"a\":18446744073709551616}", "json.number_out_of_range", "a"},
      {"{\"a\":-9223372036854775809}", "json.number_out_of_range", "a"},
  };
  for (const auto& c : cases) {
    auto r = read_json(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().detail, c.code) << c.text << " -> " << r.error().message;
    EXPECT_EQ(r.error().field, c.field) << c.text;
    EXPECT_EQ(r.error().message.find("json.exception"), std::string::npos) << r.error().message;
  }
  // What JSON allows stays allowed.
  const auto ok = read_json(R"({"a":18446744073709551615,"b":-9223372036854775808,"c":1e-400,
                                "d":1.7976931348623157e308,"e":"\u00e9\ud83d\ude00","f":[],"":0})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value()["a"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(ok.value()["c"].get<double>(), 0.0);
  EXPECT_EQ(ok.value()["e"].get<std::string>(), "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(StrictJson, LimitsOfDepthAndSize) {
  auto nest = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_TRUE(read_json(nest(64)));
  auto deep = read_json(nest(65));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().detail, "json.too_deep");
  EXPECT_TRUE(read_json(nest(66), {.max_depth = 66}));
  EXPECT_FALSE(read_json(std::string(100000, '[')));  // refused early, no deep recursion
  const auto big = read_json("[" + std::string(100, ' ') + "]", {.max_bytes = 50});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::kPayloadTooLarge);
  EXPECT_THROW(parse_json_strict("{\"a\":1,\"a\":1}"), InvalidInputError);
}

// The context parser reports exactly what the strict reader says about the same bytes, before
// any problem with the values, and names the same field whatever the order of the keys.
TEST(StrictJson, ContextParserAgreesWithTheStrictReader) {
  ContextParser parser(AegisConfig(), {.cli_aliases = true, .cli_defaults = true});
  for (const std::string text :
       {"{\"risk_proposed\":0.9,\"bogus\":1,\"risk_proposed\":0.1}",
        "{\"risk_proposed\":7,\"metadata\":{\"a\":1e999}}", "{\"zz\":1,\"risk\":1e400}",
        "{\"a\":1,\"a\":2}", "{\"risk_proposed\":\"x\",\"x\":NaN}"}) {
    const auto strict = read_json(text);
    const auto context = parser.parse(text);
    ASSERT_FALSE(strict) << text;
    ASSERT_FALSE(context) << text;
    EXPECT_EQ(context.error().detail, strict.error().detail) << text;
    EXPECT_EQ(context.error().field, strict.error().field) << text;
  }
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {R"({"zeta":1,"alpha":2})", R"({"alpha":2,"zeta":1})"},
           {R"({"utility":{"n_samples":"x","expected_benefit":"y"}})",
            R"({"utility":{"expected_benefit":"y","n_samples":"x"}})"},
           {R"({"utility":{"q":1,"b":2,"expected_benefit":1}})",
            R"({"utility":{"expected_benefit":1,"b":2,"q":1}})"}}) {
    const auto ra = parser.parse(a), rb = parser.parse(b);
    ASSERT_FALSE(ra);
    ASSERT_FALSE(rb);
    EXPECT_EQ(ra.error().field, rb.error().field) << a;
    EXPECT_EQ(ra.error().detail, rb.error().detail) << a;
  }
  EXPECT_EQ(parser.parse(R"({"zeta":1,"alpha":2})").error().field, "alpha");
  EXPECT_EQ(parser.parse(R"({"utility":{"n_samples":"x","expected_benefit":"y"}})").error().field,
            "utility.expected_benefit");
}

TEST(StrictJson, SplitArrayKeepsEachElementsText) {
  const std::string text = R"( [ {"a":[1,"]",{}]} , 2,"x\"]",[[]] ] )";
  const auto items = split_json_array(text);
  ASSERT_TRUE(items) << items.error().message;
  ASSERT_EQ(items.value().size(), 4u);
  EXPECT_EQ(items.value()[0], R"({"a":[1,"]",{}]})");
  EXPECT_EQ(items.value()[1], "2");
  EXPECT_EQ(items.value()[2], R"("x\"]")");
  EXPECT_EQ(items.value()[3], "[[]]");
  EXPECT_TRUE(split_json_array("[]").value().empty());
  // A bad element is the element's problem, not the array's.
  EXPECT_EQ(split_json_array(R"([{"a":1e400},{"b":NaN}])").value().size(), 2u);
  for (const std::string bad : {"", "{}", "[", "[1,]", "[,1]", "[1,,2]", "[1] x", "[{]}", "[1}",
                                "[\"open]", "[[1]", "[1]]"}) {
    const auto r = split_json_array(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().detail, "json.syntax") << bad;
  }
}

TEST(NormalisedChange, FiniteForFiniteInputs) {
  const GateEvaluator eval;
  EXPECT_EQ(eval.normalised_profit(1e308, -1e308), 2.0);  // (b − p) overflows, b/m − p/m does not
  EXPECT_EQ(eval.normalised_profit(100, 90), 0.1);        // the usual form is unchanged
  EXPECT_EQ(eval.normalised_profit(0, -1.7e308), std::numeric_limits<double>::max());
  EXPECT_EQ(eval.normalised_profit(0, 1.7e308), -std::numeric_limits<double>::max());
  AegisParameters p;
  p.epsilon_R = 1e-310;  // a tiny floor: 1/1e-310 is beyond the double range
  const GateEvaluator tiny{AegisConfig(p)};
  EXPECT_EQ(tiny.normalised_risk(0, 1), std::numeric_limits<double>::max());
  const GateResult r = tiny.evaluate_risk_gate(0, 1);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.value, 1.0);
}

}  // namespace
}  // namespace aegis
