// The error vocabulary is one set of tables (include/aegis/core/error.h and each layer's
// errors.h, listed in error_tables.h):
// this test holds them consistent, holds the wire schema to them, and holds docs/ERRORS.md
// equal to what they generate. AEGIS_WRITE_DOCS=1 rewrites the file instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "error_tables.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// docs/ERRORS.md as the tables say it.
std::string render() {
  std::ostringstream o;
  o << "# Error codes\n\n"
       "<!-- Generated from include/aegis/core/error.h and each layer's errors.h by\n"
       "     tests/core/test_error_tables.cpp: edit the tables, then run the test with\n"
       "     AEGIS_WRITE_DOCS=1. -->\n\n"
       "Every interface answers a failure with the same object:\n\n"
       "```json\n"
       "{\"error\": {\"code\": \"invalid_input\", \"detail\": \"json.unknown_field\",\n"
       "           \"message\": \"unknown field \\\"risk\\\"\", \"field\": \"risk\"}}\n"
       "```\n\n"
       "`code` is one of eleven broad values and never changes meaning. `detail` is the stable,\n"
       "module-qualified reason a program can match on; `field` (when present) names the input\n"
       "concerned; `message` is for people and may change.\n\n"
       "## Kinds\n\n"
       "Each detail has one kind. The kind alone decides the wire `code`, the HTTP status, the\n"
       "command's exit status, and the JSON-RPC error code of an MCP message the JSON reader\n"
       "refuses as a whole. (An MCP tool that fails answers a result with `isError` and the\n"
       "object above; a request whose method or params MCP does not define gets JSON-RPC's own\n"
       "-32601 or -32602.)\n\n"
       "| kind | code | HTTP | exit | JSON-RPC |\n"
       "|---|---|---|---|---|\n";
  for (const ErrorKindInfo& k : kErrorKinds)
    o << "| " << k.name << " | `" << k.wire_code << "` | " << k.http_status << " | " << k.exit_code
      << " | " << k.jsonrpc_code << " |\n";
  o << "\n## Details\n\nOne table per module, in layer order.\n";
  std::string_view layer;
  for (const errors::ErrorTable& t : errors::kAllTables) {
    if (t.layer != layer) {
      layer = t.layer;
      o << "\n### Layer " << layer << "\n";
    }
    o << "\n| detail | kind | HTTP | meaning |\n|---|---|---|---|\n";
    for (const ErrorCode& c : t.codes)
      o << "| `" << c.detail << "` | " << kind_info(c.kind).name << " | "
        << kind_info(c.kind).http_status << " | " << c.meaning << " |\n";
  }
  return o.str();
}

TEST(ErrorTables, EveryDetailIsDeclaredOnceWithAModulePrefixAndAMeaning) {
  const std::regex shape("^[a-z_]+(\\.[a-z_0-9]+)+$");
  std::set<std::string_view> seen;
  size_t n = 0;
  for (const errors::ErrorTable& t : errors::kAllTables) {
    ASSERT_FALSE(t.codes.empty());
    const std::string_view module =
        t.codes.front().detail.substr(0, t.codes.front().detail.rfind('.'));
    for (const ErrorCode& c : t.codes) {
      ++n;
      EXPECT_TRUE(seen.insert(c.detail).second) << c.detail << " is declared twice";
      EXPECT_TRUE(std::regex_match(std::string(c.detail), shape)) << c.detail;
      EXPECT_EQ(c.detail.substr(0, c.detail.rfind('.')), module) << c.detail << " in " << module;
      EXPECT_FALSE(c.meaning.empty()) << c.detail;
      EXPECT_NE(c.meaning.back(), '.') << c.detail;
      EXPECT_EQ(c.meaning.find('|'), std::string_view::npos) << c.detail;
      // Only the command line raises cli.*, only the Python module python.*.
      if (c.detail.rfind("cli.", 0) == 0) {
        EXPECT_EQ(t.layer, "cli") << c.detail;
      }
      if (c.detail.rfind("python.", 0) == 0) {
        EXPECT_EQ(t.layer, "python") << c.detail;
      }
    }
  }
  EXPECT_GT(n, 200u);
}

TEST(ErrorTables, TheSchemaNamesExactlyTheKindsWireCodesAndTheDetailShape) {
  const auto schema =
      nlohmann::json::parse(read(aegis::test::source_dir() + "/schema/error.schema.json"));
  const auto& props = schema["properties"]["error"]["properties"];
  std::set<std::string> in_schema, in_table;
  for (const auto& c : props["code"]["enum"]) in_schema.insert(c.get<std::string>());
  for (const ErrorKindInfo& k : kErrorKinds) in_table.insert(std::string(k.wire_code));
  EXPECT_EQ(in_schema, in_table);
  const std::regex pattern(props["detail"]["pattern"].get<std::string>());
  for (const errors::ErrorTable& t : errors::kAllTables)
    for (const ErrorCode& c : t.codes)
      EXPECT_TRUE(std::regex_search(std::string(c.detail), pattern)) << c.detail;
}

TEST(ErrorTables, KindsMapOntoStatusesOnce) {
  // Every kind has its own HTTP status, and only failures of the engine exit 4.
  std::set<int> statuses;
  for (const ErrorKindInfo& k : kErrorKinds) {
    EXPECT_TRUE(statuses.insert(k.http_status).second) << k.name;
    EXPECT_EQ(k.exit_code, k.http_status >= 500 ? 4 : 3) << k.name;
  }
  // An unknown field is malformed input everywhere (StrictObject raises it on every route): 400.
  EXPECT_EQ(kind_info(errors::kJsonUnknownField.kind).http_status, 400);
}

TEST(ErrorTables, DocsErrorsMdIsGeneratedFromTheTables) {
  const std::string path = aegis::test::source_dir() + "/docs/ERRORS.md";
  const std::string want = render();
  if (const char* w = std::getenv("AEGIS_WRITE_DOCS"); w && std::string(w) == "1") {
    std::ofstream(path) << want;
    return;
  }
  EXPECT_EQ(read(path), want)
      << "docs/ERRORS.md is stale: run AEGIS_WRITE_DOCS=1 build/tests/aegis_core_tests "
         "--gtest_filter='ErrorTables.*'";
}

}  // namespace
}  // namespace aegis
