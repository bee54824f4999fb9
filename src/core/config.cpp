#include "aegis/core/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "aegis/core/digest.h"
#include "aegis/core/drift.h"
#include "aegis/core/errors.h"
#include "aegis/core/gates.h"
#include "aegis/core/json.h"
#include "aegis/core/spelling.h"
#include "aegis/core/utility.h"
#include "config_reader.h"
#include "format.h"

namespace aegis {
namespace {

using detail::num;

std::optional<Error> range_error(const char* field, double v, const char* expected) {
  return Error(errors::kConfigOutOfRange, field,
               std::string(field) + " must be " + expected + ", got " + num(v));
}

// Checks a finite v against a range; the expected text goes into the message.
#define AEGIS_CHECK(field, cond, expected)                                       \
  do {                                                                           \
    const double v_ = (field);                                                   \
    if (!std::isfinite(v_) || !(cond)) return range_error(#field, v_, expected); \
  } while (0)

}  // namespace

std::optional<Error> validate_kl_drift(const KLDriftConfig& kl) {
  if (!std::isfinite(kl.tau_warning) || !(kl.tau_warning > 0))
    return range_error("kl_drift.tau_warning", kl.tau_warning, "> 0");
  if (!std::isfinite(kl.tau_critical) || !(kl.tau_critical > kl.tau_warning))
    return range_error("kl_drift.tau_critical", kl.tau_critical, "> kl_drift.tau_warning");
  if (kl.window_days < 1 || kl.window_days > 36500)
    return range_error("kl_drift.window_days", static_cast<double>(kl.window_days),
                       "an integer in [1, 36500]");
  return std::nullopt;
}

std::optional<Error> validate_parameters(const AegisParameters& p) {
  const auto& [epsilon_R, epsilon_P, risk_trigger_factor, profit_trigger_factor,
               trigger_confidence_prob, novelty_N0, novelty_k, novelty_threshold, complexity_floor,
               quality_min_score, quality_no_zero_subscore, gamma, kappa, phi_S, phi_D, lcb_alpha,
               migration_budget, utility_threshold, kl_drift, telemetry_url,
               telemetry_allow_insecure, mcp_rate_limit, telemetry_encryption_public_key,
               telemetry_encryption_epoch_events, telemetry_encryption_epoch_seconds] = p;
  (void)quality_no_zero_subscore;
  (void)telemetry_allow_insecure;
  AEGIS_CHECK(epsilon_R, v_ > 0, "> 0");
  AEGIS_CHECK(epsilon_P, v_ > 0, "> 0");
  AEGIS_CHECK(risk_trigger_factor, v_ > 0, "> 0");
  AEGIS_CHECK(profit_trigger_factor, v_ > 0, "> 0");
  AEGIS_CHECK(trigger_confidence_prob, v_ > 0.5 && v_ < 1, "in (0.5, 1)");
  AEGIS_CHECK(novelty_N0, v_ >= 0 && v_ <= 1, "in [0, 1]");
  AEGIS_CHECK(novelty_k, v_ > 0, "> 0");
  AEGIS_CHECK(novelty_threshold, v_ > 0 && v_ < 1, "in (0, 1)");
  AEGIS_CHECK(complexity_floor, v_ >= 0.5 && v_ <= 1,
              "in [0.5, 1] (the floor can be raised, never lowered)");
  AEGIS_CHECK(quality_min_score, v_ >= 0 && v_ <= 1, "in [0, 1]");
  AEGIS_CHECK(gamma, v_ >= 0, ">= 0");
  AEGIS_CHECK(kappa, v_ > 0, "> 0");
  AEGIS_CHECK(phi_S, v_ >= 0, ">= 0");
  AEGIS_CHECK(phi_D, v_ >= 0, ">= 0");
  AEGIS_CHECK(lcb_alpha, v_ > 0 && v_ < 0.5, "in (0, 0.5)");
  AEGIS_CHECK(migration_budget, v_ >= 0, ">= 0");
  AEGIS_CHECK(utility_threshold, true, "finite");
  if (auto e = validate_kl_drift(kl_drift)) return e;
  if (telemetry_url) {
    const std::string& u = *telemetry_url;
    const bool https = u.rfind("https://", 0) == 0 && u.size() > 8;
    const bool http = u.rfind("http://", 0) == 0 && u.size() > 7;
    bool clean = is_valid_utf8(u);
    for (unsigned char c : u) clean = clean && c > 0x20 && c != 0x7F;
    if (!clean || !(https || (http && p.telemetry_allow_insecure))) {
      return Error(errors::kConfigInvalidUrl, "telemetry_url",
                   "telemetry_url must be an https:// URL (http:// only with "
                   "telemetry_allow_insecure), got \"" +
                       u + "\"");
    }
  }
  if (mcp_rate_limit < 0)
    return range_error("mcp_rate_limit", static_cast<double>(mcp_rate_limit), ">= 0");
  if (telemetry_encryption_public_key) {
    // 1216 bytes in padded base64: 1624 characters ending in "==" (decoded in the telemetry
    // layer, which also checks the key itself).
    const std::string& k = *telemetry_encryption_public_key;
    bool ok = k.size() == 1624 && k.compare(1622, 2, "==") == 0;
    for (size_t i = 0; ok && i < 1622; ++i)
      ok = std::isalnum(static_cast<unsigned char>(k[i])) || k[i] == '+' || k[i] == '/';
    if (!ok)
      return Error(errors::kConfigInvalidKey, "telemetry_encryption_public_key",
                   "telemetry_encryption_public_key must be an X-Wing public key: 1216 "
                   "bytes in base64 (1624 characters)");
  }
  if (telemetry_encryption_epoch_events < 1)
    return range_error("telemetry_encryption_epoch_events",
                       static_cast<double>(telemetry_encryption_epoch_events), ">= 1");
  if (telemetry_encryption_epoch_seconds < 1)
    return range_error("telemetry_encryption_epoch_seconds",
                       static_cast<double>(telemetry_encryption_epoch_seconds), ">= 1");
  return std::nullopt;
}

#undef AEGIS_CHECK

std::span<const NumericParameter> numeric_parameters() noexcept {
  static constexpr NumericParameter kParameters[] = {
      {"epsilon_R", &AegisParameters::epsilon_R},
      {"epsilon_P", &AegisParameters::epsilon_P},
      {"risk_trigger_factor", &AegisParameters::risk_trigger_factor},
      {"profit_trigger_factor", &AegisParameters::profit_trigger_factor},
      {"trigger_confidence_prob", &AegisParameters::trigger_confidence_prob},
      {"novelty_N0", &AegisParameters::novelty_N0},
      {"novelty_k", &AegisParameters::novelty_k},
      {"novelty_threshold", &AegisParameters::novelty_threshold},
      {"complexity_floor", &AegisParameters::complexity_floor},
      {"quality_min_score", &AegisParameters::quality_min_score},
      {"gamma", &AegisParameters::gamma},
      {"kappa", &AegisParameters::kappa},
      {"phi_S", &AegisParameters::phi_S},
      {"phi_D", &AegisParameters::phi_D},
      {"lcb_alpha", &AegisParameters::lcb_alpha},
      {"migration_budget", &AegisParameters::migration_budget},
      {"utility_threshold", &AegisParameters::utility_threshold},
  };
  return kParameters;
}

AegisConfig::AegisConfig() : AegisConfig(AegisParameters{}) {}

AegisConfig::AegisConfig(const AegisParameters& params) : params_(params) {
  if (auto e = validate_parameters(params_)) throw_error(std::move(*e));
  hash_ = sha256_hex(canonical_json(config_to_json(params_)));
}

AegisConfig AegisConfig::default_config() { return AegisConfig(); }

GateEvaluator AegisConfig::create_gate_evaluator() const { return GateEvaluator(*this); }
DriftMonitor AegisConfig::create_drift_monitor() const { return DriftMonitor(params_.kl_drift); }
UtilityCalculator AegisConfig::create_utility_calculator() const {
  return UtilityCalculator(*this);
}

// ---- YAML ----------------------------------------------------------------------------------

namespace {

// Top-level keys documented as free-form (README, Configuration): read by no one, accepted
// with any value.
const std::vector<std::string> kFreeFormKeys = {"version", "description", "name", "metadata"};

// The parameters other than the floating-point ones, by the name a config file gives them.
const std::vector<std::string> kOtherParameters = {"quality_no_zero_subscore",
                                                   "telemetry_allow_insecure",
                                                   "mcp_rate_limit",
                                                   "telemetry_url",
                                                   "telemetry_encryption_public_key",
                                                   "telemetry_encryption_epoch_events",
                                                   "telemetry_encryption_epoch_seconds"};

const std::vector<std::pair<std::string, std::string>> kNoveltyGateKeys = {
    {"N0", "novelty_N0"}, {"k", "novelty_k"}, {"output_threshold", "novelty_threshold"}};
const std::vector<std::pair<std::string, std::string>> kKlDriftKeys = {
    {"tau_warning", "kl_drift.tau_warning"},
    {"tau_critical", "kl_drift.tau_critical"},
    {"window_days", "kl_drift.window_days"}};

// Every name a parameter goes by at the top level or under `parameters:`.
std::vector<std::string> parameter_names() {
  std::vector<std::string> names;
  for (const auto& np : numeric_parameters()) names.emplace_back(np.name);
  names.insert(names.end(), kOtherParameters.begin(), kOtherParameters.end());
  names.insert(names.end(), {"novelty_gate", "kl_drift"});
  return names;
}

class YamlReader {
 public:
  // `others`: the top-level sections other layers read (skipped here, suggested in errors).
  // With `warnings`, an unknown key is a warning there instead of an error.
  YamlReader(std::string source, std::vector<std::string> others,
             std::vector<std::string>* warnings)
      : source_(std::move(source)), others_(std::move(others)), warnings_(warnings) {}

  std::optional<Error> read(const YAML::Node& root, AegisParameters& p) {
    if (!root || root.IsNull()) return std::nullopt;  // an empty file: all defaults
    if (!root.IsMap()) return fail(errors::kConfigWrongType, "", "the document must be a mapping");
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (std::find(others_.begin(), others_.end(), key) != others_.end() ||
          std::find(kFreeFormKeys.begin(), kFreeFormKeys.end(), key) != kFreeFormKeys.end())
        continue;
      if (key == "parameters") {
        if (kv.second.IsNull()) continue;
        if (!kv.second.IsMap())
          return fail(errors::kConfigWrongType, "parameters", "must be a mapping");
        for (const auto& inner : kv.second) {
          if (auto e = entry("parameters.", inner.first.Scalar(), inner.second, p, false)) return e;
        }
      } else if (auto e = entry("", key, kv.second, p, true)) {
        return e;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<Error> fail(const ErrorCode& code, const std::string& key, const std::string& why) {
    return Error(code, key, source_ + (key.empty() ? "" : ": key '" + key + "'") + ": " + why);
  }

  std::optional<Error> claim(const std::string& name, const std::string& key) {
    if (!assigned_.insert(name).second)
      return fail(errors::kConfigDuplicateKey, key,
                  "parameter '" + name + "' is given more than once");
    return std::nullopt;
  }

  std::optional<Error> number(const std::string& key, const YAML::Node& n, double& out) {
    if (!n.IsScalar() || n.Tag() == "!")
      return fail(errors::kConfigWrongType, key, "must be a number");
    try {
      out = n.as<double>();
    } catch (const YAML::Exception&) {
      return fail(errors::kConfigWrongType, key, "must be a number, got '" + n.Scalar() + "'");
    }
    return std::nullopt;
  }

  std::optional<Error> integer(const std::string& key, const YAML::Node& n, int64_t& out) {
    if (!n.IsScalar() || n.Tag() == "!")
      return fail(errors::kConfigWrongType, key, "must be an integer");
    try {
      out = n.as<int64_t>();
    } catch (const YAML::Exception&) {
      return fail(errors::kConfigWrongType, key, "must be an integer, got '" + n.Scalar() + "'");
    }
    return std::nullopt;
  }

  std::optional<Error> boolean(const std::string& key, const YAML::Node& n, bool& out) {
    if (!n.IsScalar() || n.Tag() == "!")
      return fail(errors::kConfigWrongType, key, "must be true or false");
    try {
      out = n.as<bool>();
    } catch (const YAML::Exception&) {
      return fail(errors::kConfigWrongType, key, "must be true or false, got '" + n.Scalar() + "'");
    }
    return std::nullopt;
  }

  static double* number_field(AegisParameters& p, const std::string& name) {
    for (const auto& [n, member] : numeric_parameters())
      if (name == n) return &(p.*member);
    return nullptr;
  }

  std::optional<Error> nested(const std::string& key, const YAML::Node& n,
                              const std::vector<std::pair<std::string, std::string>>& names,
                              AegisParameters& p) {
    if (n.IsNull()) return std::nullopt;
    if (!n.IsMap()) return fail(errors::kConfigWrongType, key, "must be a mapping");
    for (const auto& kv : n) {
      const std::string sub = kv.first.Scalar();
      const std::string full = key + "." + sub;
      auto it =
          std::find_if(names.begin(), names.end(), [&](const auto& pr) { return pr.first == sub; });
      if (it == names.end()) {
        std::vector<std::string> known;
        for (const auto& pr : names) known.push_back(pr.first);
        if (auto e = unknown(full, sub, key, known)) return e;
        continue;
      }
      if (auto e = entry_named(full, it->second, kv.second, p)) return e;
    }
    return std::nullopt;
  }

  // Sets parameter `name` from node `n`; `key` is the key path for messages.
  std::optional<Error> entry_named(const std::string& key, const std::string& name,
                                   const YAML::Node& n, AegisParameters& p) {
    if (auto e = claim(name, key)) return e;
    if (double* d = number_field(p, name)) return number(key, n, *d);
    if (name == "kl_drift.tau_warning") return number(key, n, p.kl_drift.tau_warning);
    if (name == "kl_drift.tau_critical") return number(key, n, p.kl_drift.tau_critical);
    if (name == "kl_drift.window_days") return integer(key, n, p.kl_drift.window_days);
    if (name == "quality_no_zero_subscore") return boolean(key, n, p.quality_no_zero_subscore);
    if (name == "telemetry_allow_insecure") return boolean(key, n, p.telemetry_allow_insecure);
    if (name == "mcp_rate_limit") return integer(key, n, p.mcp_rate_limit);
    if (name == "telemetry_encryption_epoch_events")
      return integer(key, n, p.telemetry_encryption_epoch_events);
    if (name == "telemetry_encryption_epoch_seconds")
      return integer(key, n, p.telemetry_encryption_epoch_seconds);
    if (name == "telemetry_encryption_public_key") {
      if (n.IsNull()) {
        p.telemetry_encryption_public_key.reset();
        return std::nullopt;
      }
      if (!n.IsScalar()) return fail(errors::kConfigWrongType, key, "must be a string or null");
      p.telemetry_encryption_public_key = n.Scalar();
      return std::nullopt;
    }
    if (name == "telemetry_url") {
      if (n.IsNull()) {
        p.telemetry_url.reset();
        return std::nullopt;
      }
      if (!n.IsScalar()) return fail(errors::kConfigWrongType, key, "must be a string or null");
      p.telemetry_url = n.Scalar();
      return std::nullopt;
    }
    return fail(errors::kConfigUnknown, key, "internal: unhandled parameter");
  }

  std::optional<Error> entry(const std::string& prefix, const std::string& name,
                             const YAML::Node& n, AegisParameters& p, bool top_level) {
    const std::string key = prefix + name;
    if (name == "novelty_gate") return nested(key, n, kNoveltyGateKeys, p);
    if (name == "kl_drift") return nested(key, n, kKlDriftKeys, p);
    AegisParameters probe;
    const bool known =
        number_field(probe, name) != nullptr ||
        std::find(kOtherParameters.begin(), kOtherParameters.end(), name) != kOtherParameters.end();
    if (known) return entry_named(key, name, n, p);
    std::vector<std::string> names = parameter_names();
    if (top_level) {  // the sections and free-form keys are spelt at the top level only
      names.push_back("parameters");
      names.insert(names.end(), others_.begin(), others_.end());
      names.insert(names.end(), kFreeFormKeys.begin(), kFreeFormKeys.end());
    }
    return unknown(key, name, top_level ? "" : "parameters", names);
  }

  // An unknown key `name` (at path `key`) of `section` ("" for the top level): an error naming
  // the nearest of `known`, or, read leniently, a warning saying the same.
  std::optional<Error> unknown(const std::string& key, const std::string& name,
                               const std::string& section, const std::vector<std::string>& known) {
    Error e = unknown_config_key(source_, key, section, name, known);
    if (!warnings_) return e;
    warnings_->push_back(e.message + "; ignored");
    return std::nullopt;
  }

  std::string source_;
  std::vector<std::string> others_;
  std::vector<std::string>* warnings_;
  std::set<std::string> assigned_;
};

}  // namespace

Result<AegisConfig> AegisConfig::parse_yaml(const std::string& text, const std::string& source,
                                            std::vector<std::string>* warnings) {
  auto root = config_detail::parse_config_yaml(text, source);
  if (!root) return root.error();
  return config_detail::read_parameters(root.value(), source, {}, warnings);
}

namespace config_detail {

Result<YAML::Node> parse_config_yaml(const std::string& text, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(text);
    if (auto e = substitute_env_tree(root, source, "")) return std::move(*e);
    return root;
  } catch (const YAML::ParserException& e) {
    return Error(errors::kConfigYamlSyntax, "",
                 source + ": malformed YAML at line " + std::to_string(e.mark.line + 1) +
                     ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
}

Result<AegisConfig> read_parameters(const YAML::Node& root, const std::string& source,
                                    std::vector<std::string> others,
                                    std::vector<std::string>* warnings) {
  AegisParameters params;
  try {
    YamlReader reader(source, std::move(others), warnings);
    if (auto e = reader.read(root, params)) return std::move(*e);
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  if (auto e = validate_parameters(params)) {
    e->message = source + ": " + e->message;
    return std::move(*e);
  }
  return AegisConfig(params);
}

}  // namespace config_detail

Error unknown_config_key(const std::string& source, const std::string& path,
                         const std::string& section, const std::string& name,
                         const std::vector<std::string>& known) {
  const std::string where = section.empty() ? "at the top level" : "in section '" + section + "'";
  return Error(errors::kConfigUnknownKey, path,
               source + ": key '" + path + "': unknown key " + where + did_you_mean(name, known));
}

Result<std::string> read_config_text(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{errors::kConfigNotFound, "",
                 path.string() + ": config file does not exist or is not a regular file"};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return Error{errors::kConfigNotFound, "", path.string() + ": cannot read"};
  }
  std::string text = ss.str();
  if (text.size() > (1u << 20)) {
    return Error(errors::kConfigTooLarge, "", path.string() + ": config file over 1 MiB");
  }
  return text;
}

Result<AegisConfig> AegisConfig::load_yaml(const std::filesystem::path& path,
                                           std::vector<std::string>* warnings) {
  auto text = read_config_text(path);
  if (!text) return text.error();
  return parse_yaml(text.value(), path.string(), warnings);
}

Result<AegisConfig> AegisConfig::parse_json(const std::string& text) {
  return parse_yaml(text, "<json>");
}

AegisConfig AegisConfig::from_yaml(const std::filesystem::path& path) {
  auto r = load_yaml(path);
  if (!r) throw_error(r.error());
  return std::move(r).value();
}

}  // namespace aegis
