// `aegis version`: the engine's and its libraries' versions.
#include "aegis/core/version.h"

#include <openssl/crypto.h>
#include <simdjson.h>

#include <cstdio>

#include "aegis/core/json.h"
#include "commands.h"

#define AEGIS_STR2(x) #x
#define AEGIS_STR(x) AEGIS_STR2(x)

namespace aegis::cli {

int run_version(const std::string& format) {
  const nlohmann::json v = {
      {"aegis", kEngineVersion},
      {"engine_version", kEngineVersion},
      {"default_config_hash", AegisConfig().config_hash()},
      {"libraries",
       {{"simdjson", AEGIS_STR(SIMDJSON_VERSION)},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
        {"openssl", OpenSSL_version(OPENSSL_VERSION)}}},
      {"compiler", __VERSION__},
  };
  if (format == "json") {
    std::printf("%s\n", v.dump().c_str());
  } else {
    std::printf("aegis %s (simdjson %s, nlohmann_json %s, %s)\n", kEngineVersion,
                AEGIS_STR(SIMDJSON_VERSION),
                v["libraries"]["nlohmann_json"].get<std::string>().c_str(),
                OpenSSL_version(OPENSSL_VERSION));
  }
  return 0;
}

}  // namespace aegis::cli
