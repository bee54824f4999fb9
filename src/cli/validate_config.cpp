// `aegis validate-config FILE`: loads a YAML config and reports its parameters and warnings. The
// sections other commands read (server:, rbac:, custodians:, mcp:) must apply too: a file that
// `aegis serve` or `aegis mcp` would refuse is not valid.
#include <cstdio>

#include "aegis/json.h"
#include "aegis/mcp.h"
#include "aegis/override.h"
#include "aegis/server_config.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {
namespace {

// The first section that cannot be applied, or nullopt.
std::optional<Error> section_error(const std::string& path) {
  auto text = read_config_text(path);
  if (!text) return text.error();
  auto server = parse_server_settings(text.value(), path);
  if (!server) return server.error();
  if (auto rbac = server_rbac(text.value(), path, server.value().api_keys); !rbac)
    return rbac.error();
  if (auto custodians = CustodianRegistry::parse_yaml(text.value(), path); !custodians)
    return custodians.error();
  if (auto mcp = parse_mcp_settings(text.value(), path); !mcp) return mcp.error();
  return std::nullopt;
}

}  // namespace

int run_validate_config(const std::string& path) {
  std::vector<std::string> warnings;
  auto config = AegisConfig::load_yaml(path, &warnings);
  std::optional<Error> error;
  if (!config)
    error = config.error();
  else
    error = section_error(path);
  nlohmann::json out = {{"valid", !error}, {"warnings", warnings}};
  if (config) {
    out["parameters"] = config_to_json(config.value().parameters());
    out["config_hash"] = config.value().config_hash();
  }
  if (error) out["error"] = error_to_json(*error)["error"];
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  for (const auto& w : warnings) std::fprintf(stderr, "aegis: warning: %s\n", w.c_str());
  return error ? exit_code_for(*error) : kExitProceed;
}

}  // namespace aegis::cli
