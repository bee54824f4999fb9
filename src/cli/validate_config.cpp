// `aegis validate-config FILE`: reads a config file as `aegis serve` and `aegis mcp` do — the
// gate parameters and every section (server:, rbac:, custodians:, mcp:), strictly — and reports
// its parameters, or the first error with the nearest known key.
#include <cstdio>

#include "aegis/core/json.h"
#include "aegis/server/server_config.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {

int run_validate_config(const std::string& path) {
  auto file = load_config_file(path);
  // "warnings" stays for the callers that read it: an unknown key is an error now, never one.
  nlohmann::json out = {{"valid", static_cast<bool>(file)}, {"warnings", nlohmann::json::array()}};
  if (file) {
    out["parameters"] = config_to_json(file.value().config.parameters());
    out["config_hash"] = file.value().config.config_hash();
  } else {
    out["error"] = error_to_json(file.error())["error"];
  }
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return file ? kExitProceed : exit_code_for(file.error());
}

}  // namespace aegis::cli
