#include "aegis/server/openapi.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/core/version.h"
#include "aegis/server/errors.h"
#include "embedded.h"

namespace aegis {
namespace {

constexpr std::string_view kSchemaBase = "https://aegis.dev/schema/";

nlohmann::json embedded(std::string_view file) {
  const std::string_view text = detail::embedded_file(file);
  if (!text.empty()) return nlohmann::json::parse(text);
  throw_error(Error{errors::kOpenapiMissingSchema, "",
                    "schema/" + std::string(file) + " is not embedded in this build"});
}

}  // namespace

namespace {

// Makes an embedded schema's references document-absolute, so that any OpenAPI 3.1 tool resolves
// them: "#/$defs/x" → "#/components/schemas/NAME/$defs/x", "other.schema.json#/p" →
// "#/components/schemas/OTHER/p". Its "$id" goes: within the document, a base URI of its own would
// send those references elsewhere.
void anchor_refs(nlohmann::json& node, const std::string& self,
                 const std::map<std::string, std::string>& component_of_file) {
  if (node.is_array()) {
    for (auto& item : node) anchor_refs(item, self, component_of_file);
    return;
  }
  if (!node.is_object()) return;
  node.erase("$id");
  node.erase("$schema");
  for (auto& [key, value] : node.items()) {
    if (key == "$ref" && value.is_string()) {
      const std::string ref = value;
      const size_t hash = ref.find('#');
      const std::string file = ref.substr(0, hash);
      const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
      const auto target = component_of_file.find(file);
      if (file.empty())
        value = "#/components/schemas/" + self + pointer;
      else if (target != component_of_file.end())
        value = "#/components/schemas/" + target->second + pointer;
      continue;
    }
    anchor_refs(value, self, component_of_file);
  }
}

}  // namespace

std::string openapi_document() {
  nlohmann::json doc = embedded("openapi.json");
  doc["info"]["version"] = kEngineVersion;
  // Components written as {"$ref": "https://aegis.dev/schema/FILE"} are replaced by the file.
  std::map<std::string, std::string> component_of_file;
  for (auto& [name, schema] : doc["components"]["schemas"].items()) {
    if (!schema.is_object() || schema.size() != 1 || !schema.contains("$ref")) continue;
    const std::string ref = schema["$ref"];
    if (ref.rfind(kSchemaBase, 0) != 0) continue;
    const std::string file = ref.substr(kSchemaBase.size());
    component_of_file[file] = name;
    schema = embedded(file);
  }
  for (const auto& [file, name] : component_of_file)
    anchor_refs(doc["components"]["schemas"][name], name, component_of_file);
  return doc.dump();
}

}  // namespace aegis
