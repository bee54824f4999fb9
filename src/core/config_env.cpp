// Environment variables in config values: ${NAME} replaced by its value when the file is read.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "aegis/core/errors.h"
#include "config_reader.h"

namespace aegis::config_detail {

// Replaces each ${NAME} in `text` by that environment variable's value ("$${" stands for a
// literal "${"); the error names `path` and the variable.
namespace {

Result<std::string> substitute_env(const std::string& text, const std::string& source,
                                   const std::string& path) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i];
      continue;
    }
    const size_t end = text.find('}', i + 2);
    const std::string name = text.substr(i + 2, end == std::string::npos ? 0 : end - i - 2);
    const bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                       });
    if (end == std::string::npos || !valid)
      return Error(errors::kConfigWrongType, path,
                   source + ": key '" + path +
                       "': '${' must start an environment variable reference ${NAME} (letters, "
                       "digits, _); write $${ for a literal ${");
    const char* value = std::getenv(name.c_str());
    if (!value)
      return Error(errors::kConfigEnvUnset, path,
                   source + ": key '" + path + "': environment variable " + name +
                       " is not set (set it, or write $${" + name + "} for the literal text)");
    out += value;
    i = end;
  }
  return out;
}

}  // namespace

// Substitutes environment variables in every scalar value under `node` (keys stay literal).
std::optional<Error> substitute_env_tree(YAML::Node node, const std::string& source,
                                         const std::string& path) {
  if (node.IsScalar()) {
    if (node.Scalar().find('$') == std::string::npos) return std::nullopt;
    auto v = substitute_env(node.Scalar(), source, path);
    if (!v) return v.error();
    node = v.value();
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      if (auto e = substitute_env_tree(node[i], source, path + "[" + std::to_string(i) + "]"))
        return e;
  } else if (node.IsMap()) {
    for (auto kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (auto e = substitute_env_tree(kv.second, source, path.empty() ? key : path + "." + key))
        return e;
    }
  }
  return std::nullopt;
}

}  // namespace aegis::config_detail
