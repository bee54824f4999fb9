#include "aegis/server/server_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "aegis/core/config_loader.h"
#include "aegis/core/errors.h"
#include "aegis/server/errors.h"

namespace aegis {
namespace {

Error bad(const std::string& source, const std::string& key, const std::string& why) {
  return Error(errors::kServerConfig, key, source + ": " + key + " " + why);
}

bool is_lower_hex(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// An integer setting in [lo, hi].
Result<int64_t> integer(const YAML::Node& node, const std::string& source, const std::string& key,
                        int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, v) || v < lo || v > hi)
    return bad(source, key,
               "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

// A key of the `server:` mapping that is no setting: the error naming the nearest, or nullopt.
std::optional<Error> check_server_keys(const YAML::Node& server, const std::string& source) {
  static const std::vector<std::string> kKnown = {"api_keys",
                                                  "rate_limit_per_minute",
                                                  "max_body_bytes",
                                                  "max_batch_items",
                                                  "request_timeout_ms",
                                                  "idle_timeout_ms",
                                                  "max_header_bytes",
                                                  "max_header_fields",
                                                  "max_connections",
                                                  "io_threads",
                                                  "workers",
                                                  "max_connections_per_peer",
                                                  "reserved_connections",
                                                  "attestation_key_file",
                                                  "checkpoint_every"};
  for (const auto& kv : server) {
    const std::string key = kv.first.Scalar();
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      return unknown_config_key(source, "server." + key, "server", key, kKnown);
  }
  return std::nullopt;
}

// server.api_keys (a list of {actor_id, role, key_sha256}, no key twice) appended to `out`; the
// error, or nullopt.
std::optional<Error> read_api_keys(const YAML::Node& keys, const std::string& source,
                                   std::vector<ApiKey>& out) {
  if (!keys.IsSequence()) return bad(source, "server.api_keys", "must be a list");
  std::set<std::string> hashes;
  for (size_t i = 0; i < keys.size(); ++i) {
    const YAML::Node k = keys[i];
    const std::string where = "server.api_keys[" + std::to_string(i) + "]";
    static const std::vector<std::string> kEntryKeys = {"actor_id", "role", "key_sha256"};
    if (k.IsMap())
      for (const auto& kv : k) {
        const std::string key = kv.first.Scalar();
        if (std::find(kEntryKeys.begin(), kEntryKeys.end(), key) == kEntryKeys.end())
          return unknown_config_key(source, where + "." + key, "server.api_keys", key, kEntryKeys);
      }
    auto text = [&k](const char* name) {
      return k.IsMap() && k[name] && k[name].IsScalar() ? k[name].Scalar() : std::string();
    };
    const auto role = parse_role(text("role"));
    std::string hash = text("key_sha256");
    for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text("actor_id").empty() || !role || hash.size() != 64 || !is_lower_hex(hash))
      return Error(errors::kServerApiKeys, "server.api_keys",
                   source + ": " + where + " needs actor_id, a known role and a 64-hex key_sha256");
    if (!hashes.insert(hash).second)
      return Error(errors::kServerApiKeys, "server.api_keys",
                   source + ": " + where + " repeats the key of an earlier entry");
    out.push_back({text("actor_id"), *role, hash});
  }
  return std::nullopt;
}

// The other integer settings (batch, timeouts, headers, connections, threads, checkpoints), each
// in its range, into `s`; the error, or nullopt.
std::optional<Error> read_limits(const YAML::Node& server, const std::string& source,
                                 ServerSettings& s) {
  // {key, where it goes, lo, hi}.
  const struct {
    const char* key;
    int64_t* out_signed;
    size_t* out;
    int64_t lo, hi;
  } limits[] = {
      {"max_batch_items", nullptr, &s.max_batch_items, 1, 1'000'000},
      {"request_timeout_ms", &s.request_timeout_ms, nullptr, 100, 600'000},
      {"idle_timeout_ms", &s.idle_timeout_ms, nullptr, 100, 3'600'000},
      {"max_header_bytes", nullptr, &s.max_header_bytes, 1024, 1 << 20},
      {"max_header_fields", nullptr, &s.max_header_fields, 8, 10'000},
      {"max_connections", nullptr, &s.max_connections, 1, 1'000'000},
      {"max_connections_per_peer", nullptr, &s.max_connections_per_peer, 0, 1'000'000},
      {"reserved_connections", nullptr, &s.reserved_connections, 0, 1'000'000},
      {"io_threads", nullptr, &s.io_threads, 0, 256},
      {"workers", nullptr, &s.workers, 1, 256},
      {"checkpoint_every", &s.checkpoint_every, nullptr, 1, 1'000'000'000},
  };
  for (const auto& l : limits) {
    const YAML::Node n = server[l.key];
    if (!n) continue;
    auto v = integer(n, source, std::string("server.") + l.key, l.lo, l.hi);
    if (!v) return v.error();
    if (l.out_signed)
      *l.out_signed = v.value();
    else
      *l.out = static_cast<size_t>(v.value());
  }
  return std::nullopt;
}

}  // namespace

Result<ServerSettings> read_server_section(const YAML::Node& server, const std::string& source) {
  ServerSettings s;
  try {
    if (!server || server.IsNull()) return s;
    if (!server.IsMap()) return bad(source, "server", "must be a mapping");
    if (auto e = check_server_keys(server, source)) return *e;
    if (const YAML::Node keys = server["api_keys"]) {
      if (auto e = read_api_keys(keys, source, s.api_keys)) return *e;
    }
    if (const YAML::Node n = server["rate_limit_per_minute"]) {
      auto v = integer(n, source, "server.rate_limit_per_minute", 0, 1'000'000'000);
      if (!v) return v.error();
      s.rate_limit_per_minute = v.value();
    }
    if (const YAML::Node n = server["max_body_bytes"]) {
      auto v = integer(n, source, "server.max_body_bytes", 1, int64_t{1} << 30);
      if (!v) return v.error();
      s.max_body_bytes = static_cast<size_t>(v.value());
    }
    if (const YAML::Node n = server["attestation_key_file"]) {
      if (!n.IsScalar() || n.Scalar().empty())
        return bad(source, "server.attestation_key_file", "must be a file path");
      s.attestation_key_file = n.Scalar();
    }
    if (auto e = read_limits(server, source, s)) return *e;
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return s;
}

RBACEnforcer server_rbac(RBACEnforcer rbac, const std::vector<ApiKey>& api_keys) {
  for (const ApiKey& k : api_keys) rbac.assign(k.actor_id, k.role);
  return rbac;
}

Result<ConfigFile> load_config_file(const std::optional<std::string>& path) {
  ConfigFile f;
  if (!path) return f;
  // A section's reader that keeps what `read` made of the node in `out`.
  const auto into = [](auto& out, auto read) -> ConfigLoader::SectionReader {
    return [&out, read](const YAML::Node& n, const std::string& source) -> std::optional<Error> {
      auto r = read(n, source);
      if (!r) return r.error();
      out = std::move(r).value();
      return std::nullopt;
    };
  };
  ConfigLoader loader;
  loader.add_section("server", into(f.server, read_server_section))
      .add_section("rbac", into(f.rbac, &RBACEnforcer::read_section))
      .add_section("custodians", into(f.custodians, &CustodianRegistry::read_section))
      .add_section("mcp", into(f.mcp, read_mcp_section))
      .add_section("gateway", into(f.gateway, read_gateway_section))
      .add_section("approvals", into(f.approvals, read_approvals_section))
      .add_section("sources", into(f.sources, read_sources_section));
  auto config = loader.load(*path);
  if (!config) return config.error();
  f.config = std::move(config).value();
  return f;
}

}  // namespace aegis
