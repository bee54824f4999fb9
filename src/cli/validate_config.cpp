// `aegis validate-config FILE`: loads a YAML config and reports its parameters and warnings.
#include <cstdio>

#include "aegis/json.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {

int run_validate_config(const std::string& path) {
  std::vector<std::string> warnings;
  auto config = AegisConfig::load_yaml(path, &warnings);
  nlohmann::json out = {{"valid", config.ok()}, {"warnings", warnings}};
  if (config) {
    out["parameters"] = config_to_json(config.value().parameters());
    out["config_hash"] = config.value().config_hash();
  } else {
    out["error"] = error_to_json(config.error())["error"];
  }
  std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  for (const auto& w : warnings) std::fprintf(stderr, "aegis: warning: %s\n", w.c_str());
  return config ? kExitProceed : exit_code_for(config.error());
}

}  // namespace aegis::cli
