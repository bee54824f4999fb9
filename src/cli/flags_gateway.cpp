// Flags of `aegis gateway`: the MCP gateway, and the pins of the tools behind it.
#include <memory>
#include <string>

#include "commands.h"
#include "flags.h"

namespace aegis::cli {

Dispatch add_gateway_flags(CLI::App& app) {
  auto f = std::make_shared<GatewayOptions>();
  auto* gateway = app.add_subcommand(
      "gateway", "MCP gateway: stands in front of MCP servers and decides every tool call (stdio)");
  gateway->require_subcommand(0, 1);
  gateway->add_option("-c,--config", f->config, "YAML with a gateway: section (docs/gateway.md)");
  gateway->add_option("--db", f->db,
                      "where decisions are recorded (sqlite:PATH or postgresql://...)");
  gateway->add_option("--listen", f->listen,
                      "HOST:PORT: serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio");

  auto* pins = gateway->add_subcommand("pins", "The pinned definitions of the tools behind it");
  pins->require_subcommand(1);
  auto* list = pins->add_subcommand("list", "Every pin, and the changes waiting for review (JSON)");
  list->add_option("--db", f->db, "the gateway's store")->required();
  auto* accept = pins->add_subcommand("accept", "Accept a tool's changed definition (recorded)");
  accept->add_option("--db", f->db, "the gateway's store")->required();
  accept->add_option("upstream", f->upstream, "the upstream's name")->required();
  accept->add_option("tool", f->tool, "the tool's name on that upstream (without the prefix)")
      ->required();
  accept
      ->add_option("--sha256", f->sha256,
                   "the pending definition reviewed, as `pins list` shows it (refused if it "
                   "changed again since)")
      ->required();
  accept->add_option("--actor", f->actor, "who accepts it (kept in the chain)")->required();

  return [=]() -> std::optional<int> {
    if (*list) return run_gateway_pins_list(*f);
    if (*accept) return run_gateway_pins_accept(*f);
    if (*gateway) return run_gateway(*f);
    return std::nullopt;
  };
}

}  // namespace aegis::cli
