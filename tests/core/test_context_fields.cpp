// kContextFields is the one list of the context's fields: held equal here to
// schema/context.schema.json, which MCP serves and which holds each field's description.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "aegis/core/context_fields.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

nlohmann::ordered_json schema() {
  std::ifstream in(aegis::test::source_dir() + "/schema/context.schema.json");
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::ordered_json::parse(s.str());
}

template <typename Table>
nlohmann::ordered_json names_of(const Table& table) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& row : table) out.push_back(std::string(row.name));
  return out;
}

TEST(ContextFields, TheTableListsTheSchemasFieldsInItsOrder) {
  const auto s = schema();
  std::vector<std::string> in_schema, in_table;
  for (const auto& [name, prop] : s["properties"].items()) in_schema.push_back(name);
  for (const ContextField& f : kContextFields) in_table.emplace_back(f.name);
  EXPECT_EQ(in_table, in_schema);
}

TEST(ContextFields, EachFieldHasTheSchemasTypeLimitsAndDefault) {
  const auto s = schema();
  const PCWContext defaults;
  for (const ContextField& f : kContextFields) {
    SCOPED_TRACE(std::string(f.name));
    const auto& p = s["properties"][std::string(f.name)];
    switch (f.type) {
      case FieldType::kText:
        EXPECT_EQ(p["type"], "string");
        EXPECT_EQ(p["minLength"], 1);
        EXPECT_EQ(p["maxLength"], f.max_bytes);
        EXPECT_EQ(p.value("default", ""), f.default_text);
        break;
      case FieldType::kPhase:
        EXPECT_EQ(p["enum"], names_of(kPhaseNames));
        EXPECT_EQ(p["default"], f.default_text);
        EXPECT_EQ(to_string(defaults.phase), f.default_text);
        break;
      case FieldType::kImpact:
        EXPECT_EQ(p["enum"], names_of(kImpactNames));
        EXPECT_EQ(p["default"], f.default_text);
        break;
      case FieldType::kNumber:
        if (is_unit(f)) {
          EXPECT_EQ(p["$ref"], "#/$defs/unit");
        } else {
          EXPECT_EQ(p["type"], "number");
          EXPECT_FALSE(p.contains("minimum") || p.contains("maximum"));
        }
        EXPECT_EQ(p["default"].get<double>(), defaults.*f.number);
        break;
      case FieldType::kUnitList:
        EXPECT_EQ(p["items"]["$ref"], "#/$defs/unit");
        EXPECT_EQ(p["maxItems"], kMaxSubscores);
        EXPECT_EQ(p["default"].get<std::vector<double>>(), defaults.quality_subscores);
        break;
      case FieldType::kUtility:
        EXPECT_EQ(p["$ref"], "#/$defs/utility");
        break;
      case FieldType::kFlag:
        EXPECT_EQ(p["type"], "boolean");
        EXPECT_EQ(p["default"].get<bool>(), defaults.*f.flag);
        break;
      case FieldType::kObject:
        EXPECT_EQ(p["type"], "object");
        break;
      case FieldType::kChangeType:
        EXPECT_EQ(p["enum"], nlohmann::ordered_json(std::vector<std::string>(
                                 std::begin(kChangeTypes), std::end(kChangeTypes))));
        break;
    }
  }
  const auto& unit = s["$defs"]["unit"];
  EXPECT_EQ(unit["minimum"], 0);
  EXPECT_EQ(unit["maximum"], 1);
}

TEST(ContextFields, TheLibraryRequiresWhatTheSchemaSays) {
  nlohmann::ordered_json required = nlohmann::ordered_json::array();
  for (const ContextField& f : kContextFields)
    if (library_required(f)) required.push_back(std::string(f.name));
  EXPECT_EQ(required, schema()["x-library-required"]);
}

}  // namespace
}  // namespace aegis
