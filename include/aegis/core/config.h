// AEGIS configuration: the frozen parameters of every gate and of drift detection
// (docs/configuration.md#parameters). AegisConfig is an immutable, validated value: once built its
// parameters cannot change, so a session cannot drift. Thread-safe (const after construction).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "aegis/core/error.h"

namespace aegis {

class GateEvaluator;
class DriftMonitor;
class UtilityCalculator;

// KL divergence drift thresholds. Valid when 0 < tau_warning < tau_critical, window_days ≥ 1.
struct KLDriftConfig {
  double tau_warning = 0.3;
  double tau_critical = 0.5;
  int64_t window_days = 30;
};

// Plain options struct holding every parameter with its default. Validate with
// `validate_parameters` or by constructing an AegisConfig.
struct AegisParameters {
  double epsilon_R = 0.01;
  double epsilon_P = 0.01;
  double risk_trigger_factor = 2.0;
  double profit_trigger_factor = 2.0;
  double trigger_confidence_prob = 0.95;
  double novelty_N0 = 0.7;
  double novelty_k = 10.0;
  double novelty_threshold = 0.6;
  double complexity_floor = 0.5;
  double quality_min_score = 0.7;
  bool quality_no_zero_subscore = true;
  double gamma = 0.3;
  double kappa = 1.0;
  double phi_S = 100.0;
  double phi_D = 2000.0;
  double lcb_alpha = 0.05;
  double migration_budget = 5000.0;
  double utility_threshold = 0.0;
  KLDriftConfig kl_drift;
  std::optional<std::string> telemetry_url;
  // Allows an http:// telemetry_url (development only); https is required otherwise.
  bool telemetry_allow_insecure = false;
  int64_t mcp_rate_limit = 60;  // requests per minute, 0 = off
  // The X-Wing public key (base64) the events' personal fields are sealed to; when unset,
  // AEGIS_MASTER_KEK_PUBLIC if set. An epoch ends after this many events or seconds.
  std::optional<std::string> telemetry_encryption_public_key;
  int64_t telemetry_encryption_epoch_events = 10'000;
  int64_t telemetry_encryption_epoch_seconds = 300;
};

// A floating-point parameter by name, for loaders and language bindings.
struct NumericParameter {
  const char* name;
  double AegisParameters::*member;
};
// The floating-point parameters of AegisParameters (every field but kl_drift, the booleans, the
// integers and telemetry_url), in declaration order.
std::span<const NumericParameter> numeric_parameters() noexcept;

// Checks every parameter against its valid range (docs/configuration.md#parameters). Returns the
// first violation as an invalid-input Error naming the field ("config.out_of_range" /
// "config.invalid_url"), or nullopt when all are valid.
std::optional<Error> validate_parameters(const AegisParameters& params);

// Checks a drift configuration; the same contract as validate_parameters.
std::optional<Error> validate_kl_drift(const KLDriftConfig& kl);

// Reads a config file's text: NotFound ("config.not_found") when it is missing or unreadable,
// InvalidInput ("config.too_large") over 1 MiB. Every section reader (parameters, rbac,
// custodians) goes through it.
Result<std::string> read_config_text(const std::filesystem::path& path);

// The error of a config key nobody knows: "config.unknown_key", field `path` ("rbac.groups"), a
// message naming the file, the key, its section ("" for the top level) and the nearest of
// `known` (spelling.h). Every section reader refuses unknown keys with it.
Error unknown_config_key(const std::string& source, const std::string& path,
                         const std::string& section, const std::string& name,
                         const std::vector<std::string>& known);

// A validated, immutable configuration with its config_hash.
class AegisConfig {
 public:
  // The built-in defaults (equal to schema/interface-contract.yaml).
  AegisConfig();
  // Throws InvalidInputError naming the first out-of-range field.
  explicit AegisConfig(const AegisParameters& params);

  // Same as AegisConfig(): the reference's `AegisConfig.default()`.
  static AegisConfig default_config();

  // Loads the gate parameters of a YAML file: keys at the top level or under `parameters:`, the
  // nested `novelty_gate:` and `kl_drift:` forms, the telemetry keys, and the free-form
  // `version`, `description`, `name` and `metadata`. Strict: any other key — another layer's
  // section too, which only a ConfigLoader (config_loader.h) knows — is an error
  // "config.unknown_key" naming the section, the key and the nearest known key. With `warnings`,
  // unknown keys are described there (with the same suggestion) and ignored instead: the
  // reference's documented leniency, which Python's AegisConfig.from_yaml keeps. Other errors
  // name the file, the key and the reason: "config.not_found" (kind NotFound),
  // "config.yaml_syntax", "config.wrong_type", "config.out_of_range", "config.duplicate_key".
  static Result<AegisConfig> load_yaml(const std::filesystem::path& path,
                                       std::vector<std::string>* warnings = nullptr);
  // Parses YAML text; `source` names it in errors.
  static Result<AegisConfig> parse_yaml(const std::string& text, const std::string& source,
                                        std::vector<std::string>* warnings = nullptr);
  // Parses the JSON form written by config_to_json (json.h); JSON is read as YAML, so the same
  // rules and errors apply.
  static Result<AegisConfig> parse_json(const std::string& text);
  // Throwing form of load_yaml: NotFoundError for a missing file, InvalidInputError otherwise.
  static AegisConfig from_yaml(const std::filesystem::path& path);

  const AegisParameters& parameters() const noexcept { return params_; }
  const KLDriftConfig& kl_drift() const noexcept { return params_.kl_drift; }

  // SHA-256 hex of the canonical JSON of all parameters (see json.h: config_to_json).
  const std::string& config_hash() const noexcept { return hash_; }

  GateEvaluator create_gate_evaluator() const;
  DriftMonitor create_drift_monitor() const;
  UtilityCalculator create_utility_calculator() const;

  friend bool operator==(const AegisConfig& a, const AegisConfig& b) { return a.hash_ == b.hash_; }

 private:
  AegisParameters params_;
  std::string hash_;
};

}  // namespace aegis
