#include "aegis/core/config_loader.h"

#include "aegis/core/errors.h"
#include "config_reader.h"

namespace aegis {

ConfigLoader& ConfigLoader::add_section(std::string name, SectionReader read) {
  sections_.emplace_back(std::move(name), std::move(read));
  return *this;
}

Result<AegisConfig> ConfigLoader::load(const std::filesystem::path& path,
                                       std::vector<std::string>* warnings) const {
  auto text = read_config_text(path);
  if (!text) return text.error();
  return parse(text.value(), path.string(), warnings);
}

Result<AegisConfig> ConfigLoader::parse(const std::string& text, const std::string& source,
                                        std::vector<std::string>* warnings) const {
  auto root = config_detail::parse_config_yaml(text, source);
  if (!root) return root.error();
  std::vector<std::string> names;
  for (const auto& [name, read] : sections_) names.push_back(name);
  // The gate parameters first: a top-level typo is named before any section is read.
  auto config = config_detail::read_parameters(root.value(), source, names, warnings);
  if (!config) return config;
  try {
    for (const auto& kv : root.value()) {
      const std::string key = kv.first.Scalar();
      for (const auto& [name, read] : sections_) {
        if (name != key || !kv.second || kv.second.IsNull()) continue;
        if (auto e = read(kv.second, source)) {
          if (!warnings) return std::move(*e);
          warnings->push_back(e->message + "; ignored");
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return config;
}

}  // namespace aegis
