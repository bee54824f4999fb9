// Internal: the gate parameters' YAML reader, shared by AegisConfig (config.h) and ConfigLoader
// (config_loader.h), which reads the same document with other layers' sections registered.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "aegis/core/config.h"

namespace aegis::config_detail {

// YAML text as a document: "config.yaml_syntax" (naming line and column) when it is not YAML.
Result<YAML::Node> parse_config_yaml(const std::string& text, const std::string& source);
// Replaces ${NAME} in every scalar value under `node` by that environment variable's value ("$${"
// is a literal "${"): "config.env_unset" naming the key for a variable that is not set,
// "config.wrong_type" for a malformed reference. Keys stay literal. parse_config_yaml calls it.
std::optional<Error> substitute_env_tree(YAML::Node node, const std::string& source,
                                         const std::string& path);

// The gate parameters of a parsed document, validated. `others`: top-level sections other layers
// read (skipped, and among the suggestions). Unknown keys: errors, or with `warnings` warnings.
Result<AegisConfig> read_parameters(const YAML::Node& root, const std::string& source,
                                    std::vector<std::string> others,
                                    std::vector<std::string>* warnings);

}  // namespace aegis::config_detail
