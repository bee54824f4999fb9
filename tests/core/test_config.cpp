#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "aegis/core/config.h"
#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "test_util.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

using testing::error_of;

// A folder of this process: make test runs the Release and the sanitizer binaries side by side.
std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("aegis_config_tests_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultsMatchSpec) {
  const AegisConfig config = AegisConfig::default_config();
  const AegisParameters& p = config.parameters();
  EXPECT_EQ(p.epsilon_R, 0.01);
  EXPECT_EQ(p.epsilon_P, 0.01);
  EXPECT_EQ(p.risk_trigger_factor, 2.0);
  EXPECT_EQ(p.profit_trigger_factor, 2.0);
  EXPECT_EQ(p.trigger_confidence_prob, 0.95);
  EXPECT_EQ(p.novelty_N0, 0.7);
  EXPECT_EQ(p.novelty_k, 10.0);
  EXPECT_EQ(p.novelty_threshold, 0.6);
  EXPECT_EQ(p.complexity_floor, 0.5);
  EXPECT_EQ(p.quality_min_score, 0.7);
  EXPECT_TRUE(p.quality_no_zero_subscore);
  EXPECT_EQ(p.gamma, 0.3);
  EXPECT_EQ(p.kappa, 1.0);
  EXPECT_EQ(p.phi_S, 100.0);
  EXPECT_EQ(p.phi_D, 2000.0);
  EXPECT_EQ(p.lcb_alpha, 0.05);
  EXPECT_EQ(p.migration_budget, 5000.0);
  EXPECT_EQ(p.utility_threshold, 0.0);
  EXPECT_EQ(p.kl_drift.tau_warning, 0.3);
  EXPECT_EQ(p.kl_drift.tau_critical, 0.5);
  EXPECT_EQ(p.kl_drift.window_days, 30);
  EXPECT_FALSE(p.telemetry_url.has_value());
  EXPECT_EQ(p.mcp_rate_limit, 60);
}

TEST(Config, NumericParameterTableMatchesTheJsonForm) {
  const AegisParameters p;
  const nlohmann::json j = config_to_json(p);
  EXPECT_EQ(numeric_parameters().size(), 17u);
  for (const auto& [name, member] : numeric_parameters()) {
    ASSERT_TRUE(j.contains(name)) << name;
    EXPECT_EQ(j[name].get<double>(), p.*member) << name;
  }
}

TEST(Config, InterfaceContractYamlEqualsDefaults) {
  std::vector<std::string> warnings;
  auto c = AegisConfig::load_yaml(aegis::test::source_dir() + "/schema/interface-contract.yaml",
                                  &warnings);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c.value().config_hash(), AegisConfig().config_hash());
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

struct RangeCase {
  const char* field;
  std::function<void(AegisParameters&)> set;
};

TEST(Config, EveryOutOfRangeFieldIsNamed) {
  const double nan = std::nan("");
  const std::vector<RangeCase> cases = {
      {"epsilon_R", [](auto& p) { p.epsilon_R = 0; }},
      {"epsilon_P", [](auto& p) { p.epsilon_P = -1; }},
      {"risk_trigger_factor", [](auto& p) { p.risk_trigger_factor = 0; }},
      {"profit_trigger_factor", [&](auto& p) { p.profit_trigger_factor = nan; }},
      {"trigger_confidence_prob", [](auto& p) { p.trigger_confidence_prob = 0.5; }},
      {"trigger_confidence_prob", [](auto& p) { p.trigger_confidence_prob = 1.0; }},
      {"novelty_N0", [](auto& p) { p.novelty_N0 = 1.01; }},
      {"novelty_k", [](auto& p) { p.novelty_k = 0; }},
      {"novelty_threshold", [](auto& p) { p.novelty_threshold = 0; }},
      {"novelty_threshold", [](auto& p) { p.novelty_threshold = 1; }},
      {"complexity_floor", [](auto& p) { p.complexity_floor = 0.49; }},
      {"complexity_floor", [](auto& p) { p.complexity_floor = 1.01; }},
      {"quality_min_score", [](auto& p) { p.quality_min_score = -0.1; }},
      {"gamma", [](auto& p) { p.gamma = -0.1; }},
      {"kappa", [](auto& p) { p.kappa = 0; }},
      {"phi_S", [](auto& p) { p.phi_S = -1; }},
      {"phi_D", [](auto& p) { p.phi_D = INFINITY; }},
      {"lcb_alpha", [](auto& p) { p.lcb_alpha = 0.5; }},
      {"lcb_alpha", [](auto& p) { p.lcb_alpha = 0; }},
      {"migration_budget", [](auto& p) { p.migration_budget = -1; }},
      {"utility_threshold", [&](auto& p) { p.utility_threshold = nan; }},
      {"kl_drift.tau_warning", [](auto& p) { p.kl_drift.tau_warning = 0; }},
      {"kl_drift.tau_critical", [](auto& p) { p.kl_drift.tau_critical = 0.3; }},
      {"kl_drift.window_days", [](auto& p) { p.kl_drift.window_days = 0; }},
      {"telemetry_url", [](auto& p) { p.telemetry_url = "http://collector.example/x"; }},
      {"telemetry_url", [](auto& p) { p.telemetry_url = "ftp://x"; }},
      {"telemetry_url", [](auto& p) { p.telemetry_url = "https://a b"; }},
      {"mcp_rate_limit", [](auto& p) { p.mcp_rate_limit = -1; }},
  };
  for (const auto& c : cases) {
    AegisParameters p;
    c.set(p);
    const Error e = error_of([&] { AegisConfig{p}; });
    EXPECT_EQ(e.field, c.field);
    EXPECT_EQ(e.kind, ErrorKind::kInvalidInput);
    EXPECT_NE(e.message.find(c.field), std::string::npos) << e.message;
  }
}

TEST(Config, BoundaryValuesAreValid) {
  AegisParameters p;
  p.complexity_floor = 0.5;
  p.novelty_N0 = 0;
  p.gamma = 0;
  p.phi_S = 0;
  p.kl_drift.window_days = 1;
  p.mcp_rate_limit = 0;
  p.telemetry_url = "https://collector.example/events";
  EXPECT_NO_THROW(AegisConfig{p});
  p.telemetry_url = "http://localhost:9000/";
  p.telemetry_allow_insecure = true;
  EXPECT_NO_THROW(AegisConfig{p});
}

TEST(Config, HashIsSha256OfCanonicalJson) {
  const AegisConfig c;
  const std::string canon = canonical_json(config_to_json(c.parameters()));
  EXPECT_EQ(canon.substr(0, 60), R"({"complexity_floor":0.5,"epsilon_P":0.01,"epsilon_R":0.01,"g)");
  EXPECT_EQ(c.config_hash(), sha256_hex(canon));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  AegisParameters p;
  p.gamma = 0.31;
  EXPECT_NE(AegisConfig(p).config_hash(), c.config_hash());
  EXPECT_EQ(AegisConfig(AegisParameters{}).config_hash(), c.config_hash());
}

TEST(ConfigJson, RoundTrip) {
  AegisParameters p;
  p.gamma = 0.41;
  p.kl_drift.window_days = 9;
  p.telemetry_url = "https://collector.example/x";
  const AegisConfig c(p);
  auto back = AegisConfig::parse_json(config_to_json(c.parameters()).dump());
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back.value().config_hash(), c.config_hash());
  EXPECT_EQ(back.value().parameters().telemetry_url, p.telemetry_url);
  auto bad = AegisConfig::parse_json(R"({"gamma": -1})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "gamma");
}

TEST(ConfigYaml, TopLevelParametersAndNestedForms) {
  std::vector<std::string> warnings;
  auto c = AegisConfig::parse_yaml(R"(
version: "1"
parameters:
  epsilon_R: 0.02
  novelty_gate: {N0: 0.6, k: 8, output_threshold: 0.55}
  kl_drift:
    tau_warning: 0.2
    tau_critical: 0.4
    window_days: 7
quality_no_zero_subscore: false
mcp_rate_limit: 10
bogus_key: 1
)",
                                   "test.yaml", &warnings);
  ASSERT_TRUE(c) << c.error().message;
  const AegisParameters& p = c.value().parameters();
  EXPECT_EQ(p.epsilon_R, 0.02);
  EXPECT_EQ(p.novelty_N0, 0.6);
  EXPECT_EQ(p.novelty_k, 8.0);
  EXPECT_EQ(p.novelty_threshold, 0.55);
  EXPECT_EQ(p.kl_drift.tau_warning, 0.2);
  EXPECT_EQ(p.kl_drift.window_days, 7);
  EXPECT_FALSE(p.quality_no_zero_subscore);
  EXPECT_EQ(p.mcp_rate_limit, 10);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("bogus_key"), std::string::npos);
}

TEST(ConfigYaml, Errors) {
  struct Case {
    const char* yaml;
    const char* code;
    const char* field;
  };
  const Case cases[] = {
      {"epsilon_R: [1, 2]\n", "config.wrong_type", "epsilon_R"},
      {"epsilon_R: \"0.5\"\n", "config.wrong_type", "epsilon_R"},
      {"epsilon_R: abc\n", "config.wrong_type", "epsilon_R"},
      {"parameters:\n  kl_drift: {window_days: 2.5}\n", "config.wrong_type",
       "parameters.kl_drift.window_days"},
      {"quality_no_zero_subscore: maybe\n", "config.wrong_type", "quality_no_zero_subscore"},
      {"complexity_floor: 0.4\n", "config.out_of_range", "complexity_floor"},
      {"novelty_N0: 0.5\nnovelty_gate: {N0: 0.6}\n", "config.duplicate_key", "novelty_gate.N0"},
      {"epsilon_R: 0.1\nparameters: {epsilon_R: 0.2}\n", "config.duplicate_key",
       "parameters.epsilon_R"},
      {"epsilon_R: [unclosed\n", "config.yaml_syntax", ""},
      {"- a\n- b\n", "config.wrong_type", ""},
      {"parameters: 5\n", "config.wrong_type", "parameters"},
  };
  for (const auto& c : cases) {
    auto r = AegisConfig::parse_yaml(c.yaml, "cfg.yaml");
    ASSERT_FALSE(r) << c.yaml;
    EXPECT_EQ(r.error().detail, c.code) << c.yaml;
    EXPECT_EQ(r.error().field, c.field) << c.yaml;
    EXPECT_EQ(r.error().message.rfind("cfg.yaml", 0), 0u) << r.error().message;
  }
}

TEST(ConfigYaml, EmptyFileIsDefaults) {
  auto r = AegisConfig::parse_yaml("", "empty.yaml");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().config_hash(), AegisConfig().config_hash());
}

TEST(ConfigYaml, Files) {
  const auto missing = std::filesystem::temp_directory_path() / "aegis_no_such_config.yaml";
  auto r = AegisConfig::load_yaml(missing);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(r.error().message.find(missing.string()), std::string::npos);
  EXPECT_THROW(AegisConfig::from_yaml(missing), NotFoundError);
  EXPECT_THROW(AegisConfig::from_yaml(write_temp("bad.yaml", "gamma: -1\n")), InvalidInputError);
  EXPECT_EQ(AegisConfig::from_yaml(write_temp("ok.yaml", "gamma: 0.5\n")).parameters().gamma, 0.5);
}

}  // namespace
}  // namespace aegis
