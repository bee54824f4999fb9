// Reading a whole config file: read once, parsed once, each top-level section handed to the
// layer that owns it. Core reads the gate parameters (config.h); the server, RBAC, custodian and
// MCP layers register their sections; a key nobody registered is an error naming it and the
// nearest known key. Not thread-safe while sections are added; load() is const.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/error.h"

namespace aegis {

class ConfigLoader {
 public:
  // Reads one top-level section's node (present and not null: an absent or empty section is
  // not handed over). `source` names the file in errors. Readers refuse their own unknown keys.
  using SectionReader =
      std::function<std::optional<Error>(const YAML::Node& node, const std::string& source)>;

  // Registers the reader of top-level section `name`. Precondition: no reader for it yet, and
  // it is not a gate parameter.
  ConfigLoader& add_section(std::string name, SectionReader read);

  // Reads and parses the file once, hands each registered section present to its reader (in
  // the file's order) and reads the rest as the gate parameters, strictly (AegisConfig's
  // load_yaml without warnings), with the registered names among the suggestions. The first
  // error wins: nothing of a file with an error is used.
  // With `warnings` (the Python module's from_yaml, the reference's leniency), an unknown key
  // among the parameters and a section its reader refuses are warnings instead ("...; ignored");
  // a malformed file and an invalid parameter value are still errors.
  Result<AegisConfig> load(const std::filesystem::path& path,
                           std::vector<std::string>* warnings = nullptr) const;
  Result<AegisConfig> parse(const std::string& text, const std::string& source,
                            std::vector<std::string>* warnings = nullptr) const;

 private:
  std::vector<std::pair<std::string, SectionReader>> sections_;
};

}  // namespace aegis
