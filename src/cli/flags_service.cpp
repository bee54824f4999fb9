// Flags of the serving commands (the HTTP API, MCP, API keys) and of the ones that look at the
// engine or its files (report, validate-config, health, version).
#include <memory>
#include <string>

#include "aegis/workflow/rbac.h"
#include "commands.h"
#include "flags.h"

namespace aegis::cli {
namespace {

// The roles an API key may carry, as the config spells them.
std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (const ActorRole r : kAllRoles) names.emplace_back(to_string(r));
  return names;
}

std::string role_help() {
  std::string help = "the role the key adds to the actor: one of";
  for (const auto& r : role_names()) help += " " + r;
  return help + " (docs/roles.md lists each role's permissions)";
}

struct ServiceFlags {
  ServeOptions serve;
  std::string report_input;
  std::optional<std::string> report_output, report_decision;
  std::string apikey_actor, apikey_role;
  std::optional<std::string> mcp_config, mcp_db;
  std::string mcp_transport = "stdio", mcp_host = "127.0.0.1";
  int mcp_port = 8080;
  std::string config_path;
  std::string health_format = "json";
  std::string version_format = "text";
};

}  // namespace

Dispatch add_service_flags(CLI::App& app) {
  auto f = std::make_shared<ServiceFlags>();
  auto* validate = app.add_subcommand("validate-config", "Validate a YAML configuration file");
  validate->add_option("file", f->config_path, "YAML file")->required();

  auto* health = app.add_subcommand("health", "Self-test the engine");
  health->add_option("--format", f->health_format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));

  auto* version = app.add_subcommand("version", "Print versions");
  version->add_option("--format", f->version_format, "text (default) or json")
      ->check(CLI::IsMember({"json", "text"}));

  ServeOptions& so = f->serve;
  auto* serve = app.add_subcommand("serve",
                                   "The HTTP API (decisions, workflows, overrides, "
                                   "drift, health, metrics)");
  serve->add_option("--listen", so.listen, "HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("-c,--config", so.config, "YAML: parameters, server.api_keys, custodians");
  serve->add_option("--db", so.db, "sqlite:PATH (default sqlite:aegis.db) or postgresql://...");
  auto* tls_cert = serve->add_option("--tls-cert", so.tls_cert, "PEM certificate: serve HTTPS");
  auto* tls_key = serve->add_option("--tls-key", so.tls_key, "PEM private key of --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);

  auto* report = app.add_subcommand("report",
                                    "Charts of a decision file or a batch output, as "
                                    "one self-contained HTML file");
  report->add_option("input", f->report_input, "DECISION.json or BATCH.jsonl (- for stdin)")
      ->required();
  report->add_option("-o,--output", f->report_output, "HTML file to write (default: stdout)");
  report->add_option("--decision", f->report_decision,
                     "decision whose gate distances are drawn (default: the newest)");

  auto* apikey = app.add_subcommand("apikey", "API keys for aegis serve");
  apikey->require_subcommand(1);
  auto* apikey_new = apikey->add_subcommand("new", "Print a fresh key once and its config line");
  apikey_new->add_option("--actor", f->apikey_actor, "the actor the key authenticates")->required();
  apikey_new->add_option("--role", f->apikey_role, role_help())
      ->required()
      ->check(CLI::IsMember(role_names()));

  auto* mcp = app.add_subcommand("mcp", "MCP server for AI agents (JSON-RPC 2.0, stdio or HTTP)");
  mcp->add_option("--transport", f->mcp_transport, "stdio (default) or http")
      ->check(CLI::IsMember({"stdio", "http"}));
  mcp->add_option("--host", f->mcp_host, "HTTP listen address (default 127.0.0.1)");
  mcp->add_option("--port", f->mcp_port, "HTTP port (default 8080)")->check(CLI::Range(1, 65535));
  mcp->add_option("-c,--config", f->mcp_config, "YAML configuration (mcp_rate_limit, thresholds)");
  mcp->add_option("--db", f->mcp_db, "store decisions here (sqlite:PATH or postgresql://...)");

  return [=]() -> std::optional<int> {
    if (*validate) return run_validate_config(f->config_path);
    if (*health) return run_health(f->health_format);
    if (*version) return run_version(f->version_format);
    if (*serve) return run_serve(f->serve);
    if (*report) return run_report(f->report_input, f->report_output, f->report_decision);
    if (*apikey_new) return run_apikey_new(f->apikey_actor, f->apikey_role);
    if (*mcp) return run_mcp(f->mcp_config, f->mcp_db, f->mcp_transport, f->mcp_host, f->mcp_port);
    return std::nullopt;
  };
}

}  // namespace aegis::cli
