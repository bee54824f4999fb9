// `aegis gateway`: the MCP gateway over stdio (newline-delimited JSON-RPC 2.0), and its pins.
#include "aegis/server/gateway.h"

#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "aegis/server/api_server.h"
#include "aegis/server/errors.h"
#include "aegis/server/server_config.h"
#include "aegis/service/decision_service.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

Result<std::unique_ptr<Store>> open_store(const std::optional<std::string>& db,
                                          Store::OpenMode mode) {
  if (!db)
    return Error(errors::kCliUsage, "--db",
                 "aegis gateway needs --db: where its decisions are recorded (sqlite:PATH or "
                 "postgresql://...)");
  try {
    return Store::open(*db, mode);
  } catch (const AegisError& e) {
    return e.error();
  }
}

nlohmann::json pin_json(const ToolPin& p) {
  nlohmann::json j = {{"upstream", p.upstream}, {"tool", p.tool},     {"sha256", p.sha256},
                      {"version", p.version},   {"pending", nullptr}, {"definition", p.definition}};
  if (p.pending) {
    j["pending"] = {{"sha256", *p.pending},
                    {"changes", tool_definition_changes(p.definition, p.pending_definition)},
                    {"definition", p.pending_definition}};
  }
  return j;
}

}  // namespace

int run_gateway(const GatewayOptions& o) {
  auto file = load_config_file(o.config);
  if (!file) return report_error(file.error());
  if (!file.value().gateway)
    return report_error(Error(errors::kGatewayConfig, "gateway",
                              "aegis gateway needs -c with a gateway: section naming its upstreams "
                              "(docs/gateway.md)"));
  auto store = open_store(o.db, Store::OpenMode::kCreate);
  if (!store) return report_error(store.error());
  ::signal(SIGPIPE, SIG_IGN);  // an upstream that exits must not take the gateway with it
  StoreDecisionService service(file.value().config, store.value().get());
  // Held calls wait for approvals in the same store (approved there, or through a server on it).
  const RBACEnforcer rbac = server_rbac(file.value().rbac, file.value().server.api_keys);
  Approvals approvals(*store.value(), service.store_lock, rbac, file.value().approvals);
  if (o.listen) {
    const size_t colon = o.listen->rfind(':');
    int port = 0;
    try {
      port = colon == std::string::npos ? 0 : std::stoi(o.listen->substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (port < 1 || port > 65535)
      return report_error(Error(errors::kCliUsage, "--listen", "--listen must be HOST:PORT"));
    if (auto e = serve_gateway_over_http(*file.value().gateway, service.service, *store.value(),
                                         service.store_lock, o.listen->substr(0, colon), port,
                                         &approvals))
      return report_error(*e);
    return 0;
  }
  Gateway gateway(
      *file.value().gateway, service.service, *store.value(), service.store_lock,
      [](std::string message) {
        message += '\n';
        write_all(stdout, message);
        std::fflush(stdout);
      },
      [](const std::string& line) { std::fprintf(stderr, "aegis gateway: %s\n", line.c_str()); });
  gateway.set_approvals(&approvals);
  if (auto e = gateway.start()) return report_error(*e);
  read_stdin_lines(size_t{1} << 20, [&gateway](const std::string& line) {
    gateway.from_client(line);
    return true;
  });
  return 0;
}

int run_gateway_pins_list(const GatewayOptions& o) {
  auto store = open_store(o.db, Store::OpenMode::kExisting);
  if (!store) return report_error(store.error());
  std::mutex lock;
  nlohmann::json out = nlohmann::json::array();
  for (const ToolPin& p : list_tool_pins(*store.value(), lock)) out.push_back(pin_json(p));
  write_all(stdout, out.dump(2) + "\n");
  return 0;
}

int run_gateway_pins_accept(const GatewayOptions& o) {
  auto store = open_store(o.db, Store::OpenMode::kExisting);
  if (!store) return report_error(store.error());
  std::mutex lock;
  auto pin = accept_tool_pin(*store.value(), lock, o.upstream, o.tool, o.sha256, o.actor);
  if (!pin) return report_error(pin.error());
  write_all(stdout, pin_json(pin.value()).dump(2) + "\n");
  return 0;
}

}  // namespace aegis::cli
