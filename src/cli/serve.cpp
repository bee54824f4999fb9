// `aegis serve`: flags to the HTTP API (docs/interfaces.md#http-api), and `aegis apikey new`.
#include <openssl/rand.h>
#include <signal.h>

#include <charconv>
#include <cstdio>

#include "aegis/core/digest.h"
#include "aegis/crypto/encoding.h"
#include "aegis/server/api_server.h"
#include "aegis/store/store.h"
#include "aegis/workflow/rbac.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {

int run_serve(const ServeOptions& o) {
  // A pipe to an MCP server behind the mounted gateway that has gone must not end the server.
  ::signal(SIGPIPE, SIG_IGN);
  const size_t colon = o.listen.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    const char* first = o.listen.data() + colon + 1;
    const char* last = o.listen.data() + o.listen.size();
    const auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last) port = 0;
  }
  if (port < 1 || port > 65535)
    return report_error(Error(errors::kCliUsage, "listen", "--listen must be HOST:PORT"));
  auto config = load_config_file(o.config);
  if (!config) return report_error(config.error());
  std::unique_ptr<TelemetryEmitter> telemetry;  // the config's telemetry_url, batched
  try {
    telemetry = make_telemetry(std::nullopt, config.value().config, 100);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  if (config.value().server.api_keys.empty())  // else every keyed route answers 401, unexplained
    std::fprintf(stderr,
                 "aegis: warning: no API key is configured (server.api_keys): every route but "
                 "/health, /openapi.json and / will answer 401. Create one with `aegis apikey new "
                 "--actor NAME --role ROLE` and add the line it prints to the config.\n");
  const TelemetryEmitter* events = telemetry.get();  // owned by the server from here on
  auto server = ApiServer::create(std::move(config).value(), o.db, std::move(telemetry));
  if (!server) return report_error(server.error());
  if (auto e = server.value()->listen(o.listen.substr(0, colon), port, o.tls_cert, o.tls_key))
    return report_error(*e);
  std::fprintf(stderr, "aegis: serving on %s://%s/ (store %s)\n", o.tls_cert ? "https" : "http",
               o.listen.c_str(), redacted_url(o.db).c_str());
  {
    const TelemetryLossLog loss_log(events);
    server.value()->run();
  }
  // The checkpoint of the chain as the server left it: keep it (it holds no secret).
  if (const auto checkpoint = server.value()->latest_checkpoint())
    std::fprintf(stderr, "aegis: audit checkpoint %s\n", checkpoint->c_str());
  return 0;
}

int run_apikey_new(const std::string& actor, const std::string& role) {
  if (actor.empty())
    return report_error(Error(errors::kCliUsage, "actor", "--actor must not be empty"));
  if (!parse_role(role))  // CLI11 checks the set; a library caller may not have
    return report_error(Error(errors::kCliUsage, "role", "--role is not a known role"));
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return report_error(Error{errors::kCliRandom, "", "the random generator failed"});
  const std::string key = "aegis_" + crypto::to_hex(bytes, sizeof bytes);
  OPENSSL_cleanse(bytes, sizeof bytes);
  std::printf(
      "API key (shown once): %s\nAdd to the config file under server.api_keys:\n"
      "  - {actor_id: %s, role: %s, key_sha256: \"%s\"}\n",
      key.c_str(), actor.c_str(), role.c_str(), sha256_hex(key).c_str());
  return 0;
}

}  // namespace aegis::cli
