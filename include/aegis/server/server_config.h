// The `server:` section of a config file (docs/interfaces.md#http-api): API keys, limits, and the
// RBAC enforcer a server answers with. Plain values: thread-safe once built.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/error.h"
#include "aegis/server/gateway_policy.h"
#include "aegis/server/mcp.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/rbac.h"
#include "aegis/workflow/rollout_sources.h"

namespace aegis {

// One API key: the actor it authenticates, the role it adds to that actor, and the SHA-256 hex
// of the key (the key itself is never stored).
struct ApiKey {
  std::string actor_id;
  ActorRole role = ActorRole::PROPOSER;
  std::string key_sha256;
};

struct ServerSettings {
  std::vector<ApiKey> api_keys;
  int64_t rate_limit_per_minute = 600;  // per key; 0 = no limit
  size_t max_body_bytes = 1 << 20;      // [1, 1 GiB]: read or decoded (413 beyond)
  size_t max_batch_items = 10'000;      // contexts per POST /v1/evaluate/batch, [1, 1,000,000]
  int64_t request_timeout_ms = 10'000;  // a request's head and body, [100, 600,000] (408 beyond)
  int64_t idle_timeout_ms = 60'000;  // a keep-alive connection between requests, [100, 3,600,000]
  size_t max_header_bytes = 16 * 1024;  // the header block, [1 KiB, 1 MiB] (431 beyond)
  size_t max_header_fields = 100;       // [8, 10,000] (431 beyond)
  size_t max_connections = 10'000;      // open at once, [1, 1,000,000] (503 beyond)
  // Fair admission (docs/DECISIONS.md): connections one peer address may hold, [0, 1,000,000]
  // (0: max(64, max_connections / 100)); and the share kept for connections an authenticated
  // request has used, [0, 1,000,000] (0: max_connections / 10) — unproven ones beyond the rest
  // make room by closing the oldest of them.
  size_t max_connections_per_peer = 0;
  size_t reserved_connections = 0;
  size_t io_threads = 0;  // event-loop threads; 0 = one per core, [0, 256]
  size_t workers = 4;     // threads for blocking store and workflow work, [1, 256]
  // The Ed25519 key file (aegis attest keygen) that signs attestations and audit checkpoints;
  // without one, both routes answer 404.
  std::optional<std::string> attestation_key_file;
  int64_t checkpoint_every = 10'000;  // entries between signed checkpoints, [1, 1e9]
};

// Reads the `server:` section's node (defaults when absent or null). InvalidInputError naming
// the key ("server.api_keys", "server.max_batch_items", ...) for a wrong type or range, and
// "config.unknown_key" with the nearest setting for a key that is none.
Result<ServerSettings> read_server_section(const YAML::Node& server, const std::string& source);

// The RBAC enforcer of a server: the config's `rbac:` section (its `roles` replace those roles'
// default permissions, its `actors` assign roles), then each API key's role added to the roles
// of its actor.
RBACEnforcer server_rbac(RBACEnforcer rbac, const std::vector<ApiKey>& api_keys);

// Everything a config file configures, read and parsed once (ConfigLoader): the gate parameters
// (core), and `server:`, `rbac:`, `custodians:` and `mcp:`, each read by the layer that owns it.
// An unknown key anywhere, or a top-level section nothing reads, is an error naming the
// section, the key and the nearest known key.
struct ConfigFile {
  AegisConfig config;
  ServerSettings server;
  RBACEnforcer rbac;  // the rbac: section alone (server_rbac adds the API keys' roles)
  CustodianRegistry custodians;
  McpSettings mcp;
  std::optional<GatewaySettings> gateway;  // the gateway: section, when the file has one
  ApprovalPolicy approvals;                // the approvals: section (its defaults without one)
  std::optional<RolloutSources> sources;   // the sources: section, when the file has one
};
// Every default without a path.
Result<ConfigFile> load_config_file(const std::optional<std::string>& path);

}  // namespace aegis
