// The `server:` section of a config file (INTERFACES §4): API keys, limits, and the RBAC
// enforcer a server answers with. Plain values: thread-safe once built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aegis/error.h"
#include "aegis/rbac.h"

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
  int64_t idle_timeout_ms = 60'000;     // a keep-alive connection between requests, [100, 3,600,000]
  size_t max_header_bytes = 16 * 1024;  // the header block, [1 KiB, 1 MiB] (431 beyond)
  size_t max_header_fields = 100;       // [8, 10,000] (431 beyond)
  size_t max_connections = 10'000;      // open at once, [1, 1,000,000] (503 beyond)
  // Fair admission (docs/DECISIONS.md): connections one peer address may hold, [0, 1,000,000]
  // (0: max(64, max_connections / 100)); and the share kept for connections an authenticated
  // request has used, [0, 1,000,000] (0: max_connections / 10) — unproven ones beyond the rest
  // make room by closing the oldest of them.
  size_t max_connections_per_peer = 0;
  size_t reserved_connections = 0;
  size_t io_threads = 0;                // event-loop threads; 0 = one per core, [0, 256]
  size_t workers = 4;                   // threads for blocking store and workflow work, [1, 256]
  // The Ed25519 key file (aegis attest keygen) that signs attestations and audit checkpoints;
  // without one, both routes answer 404.
  std::optional<std::string> attestation_key_file;
  int64_t checkpoint_every = 10'000;  // entries between signed checkpoints, [1, 1e9]
};

// Reads `server:` from a config file's text (defaults when absent). InvalidInputError naming
// the key ("server.api_keys", "server.max_batch_items", ...) for a wrong type or range.
Result<ServerSettings> parse_server_settings(const std::string& yaml_text,
                                             const std::string& source);

// The RBAC enforcer of a server: the config's `rbac:` section (its `roles` replace those roles'
// default permissions, its `actors` assign roles), then each API key's role added to the roles
// of its actor. An `rbac:` section that cannot be applied is an error naming the key.
Result<RBACEnforcer> server_rbac(const std::string& yaml_text, const std::string& source,
                                 const std::vector<ApiKey>& api_keys);

}  // namespace aegis
