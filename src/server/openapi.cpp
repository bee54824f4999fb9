#include "aegis/openapi.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "aegis/error.h"
#include "aegis/version.h"
#include "embedded.h"

namespace aegis {
namespace {

constexpr std::string_view kSchemaBase = "https://aegis.dev/schema/";

nlohmann::json embedded(std::string_view file) {
  const std::string_view text = detail::embedded_file(file);
  if (!text.empty()) return nlohmann::json::parse(text);
  throw_error(Error{ErrorKind::kInternal, "openapi.missing_schema", "",
                    "schema/" + std::string(file) + " is not embedded in this build"});
}

}  // namespace

std::string openapi_document() {
  nlohmann::json doc = embedded("openapi.json");
  doc["info"]["version"] = kEngineVersion;
  // Components written as {"$ref": "https://aegis.dev/schema/NAME"} are replaced by the file
  // itself; its "$id" keeps relative references between the files resolvable.
  for (auto& [name, schema] : doc["components"]["schemas"].items()) {
    if (!schema.is_object() || schema.size() != 1 || !schema.contains("$ref")) continue;
    const std::string ref = schema["$ref"];
    if (ref.rfind(kSchemaBase, 0) == 0) schema = embedded(ref.substr(kSchemaBase.size()));
  }
  return doc.dump();
}

}  // namespace aegis
