// Internal: the MCP tool table as the JSON-RPC side (mcp.cpp) sees it; the tools themselves are
// in mcp_tools.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/server/mcp.h"

namespace aegis {

// One tool: name, permission needed ("" for static information), description, schema, handler.
struct McpTool {
  std::string_view name;
  std::string_view permission;
  std::string_view description;
  nlohmann::json (*input_schema)();
  nlohmann::json (*handler)(McpServer&, const nlohmann::json&);
};

// The tool of that name, or nullptr when there is none.
const McpTool* find_tool(std::string_view name);
// The tools/list entries (name, description, inputSchema) of every tool, built once.
const nlohmann::json& tool_definitions();
// A tool call's error result: the error's message as text, its JSON as structuredContent.
nlohmann::json tool_error(const Error& e);

}  // namespace aegis
