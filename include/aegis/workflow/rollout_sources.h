// The `sources:` section of a config file: the context fields a rollout's decision measures
// with PromQL (docs/rollouts.md#measurements), the fixed fields beside them, and the labels a
// request fills into the queries. Read once at load; then constant and shareable.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aegis/core/error.h"

namespace aegis {

// The labels a query may name as {{label}}, which each request fills: the rollout's namespace
// and name, the revision under test (Argo Rollouts: the canary's pod-template hash; Flagger: the
// canary's checksum) and the stable one (Argo Rollouts only). One row per label, with the values
// it accepts (docs/rollouts.md#labels).
struct RolloutLabel {
  std::string_view name;
  size_t max_bytes;
  std::string_view allowed;  // what the value may hold, as the error says it
};
inline constexpr RolloutLabel kRolloutLabels[] = {
    {"namespace", 63, "lower-case letters, digits and '-' (a Kubernetes namespace)"},
    {"name", 253, "lower-case letters, digits, '-' and '.' (a Kubernetes object name)"},
    {"revision", 64, "letters and digits (a pod-template hash or a checksum)"},
    {"stable_revision", 64, "letters and digits (a pod-template hash)"},
};
// A request's label values, by name.
using RolloutLabels = std::map<std::string, std::string, std::less<>>;
// nullopt when `value` is one label `name` accepts; else "rollout.invalid" naming it.
std::optional<Error> check_rollout_label(std::string_view name, std::string_view value);

struct RolloutSources {
  std::string prometheus_url;               // http(s)://host:port[/prefix]
  std::chrono::milliseconds timeout{1500};  // per query
  // Each measured context field and its PromQL, in the file's order.
  std::vector<std::pair<std::string, std::string>> fields;
  // Fixed context fields of every rollout decision: a routine rollout's (phase commit, impact
  // medium, reversible, novelty 1, complexity and quality 0.9) with the file's over them.
  nlohmann::json context = nlohmann::json::object();
  // How long a decision asked for again under the same key is reused (Argo Rollouts).
  std::chrono::seconds key_window{600};
  std::string hash;  // SHA-256 of the section's canonical form: part of an approval's digest

  // `field`'s query with each {{label}} replaced; "rollout.invalid" naming the label when the
  // request lacks one the query names.
  Result<std::string> query(const std::string& field, const std::string& promql,
                            const RolloutLabels& labels) const;
};

// Reads the section: "config.unknown_key" with the nearest key, "rollout.config" naming the key
// ("sources.fields.risk_proposed") for a value that cannot be applied — a field that is not a
// numeric context field, a label no request fills, a fixed field the parser refuses.
Result<RolloutSources> read_sources_section(const YAML::Node& node, const std::string& source);

}  // namespace aegis
