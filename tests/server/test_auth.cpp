// API keys, the bearer credential, the rate limiter and the server: section of a config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <tuple>

#include "aegis/core/digest.h"
#include "aegis/server/http_auth.h"
#include "aegis/server/server_config.h"

namespace aegis {
namespace {

TEST(Auth, BearerSchemeIsCaseInsensitiveWithExactlyOneToken) {
  for (const char* ok : {"Bearer k1", "bearer k1", "BEARER k1", "bEaReR k1", "Bearer   k1"})
    EXPECT_EQ(bearer_credential(ok), std::optional<std::string_view>("k1")) << ok;
  EXPECT_EQ(bearer_credential("Bearer a-b.c_d~e+f/g=="),
            std::optional<std::string_view>("a-b.c_d~e+f/g=="));
  for (const char* bad :
       {"", "Bearer", "Bearer ", "Bearerk1", "Basic k1", "Bearer k1 k2", "Bearer k1 ", "Bearer\tk1",
        "Bearer k=1", "Bearer =k", "Bearer k\x01", " Bearer k1", "Bearer k\xc3\xa9"})
    EXPECT_FALSE(bearer_credential(bad).has_value()) << bad;
}

TEST(Auth, KeysAreFoundByTheirHash) {
  const std::vector<ApiKey> keys = {{"a", ActorRole::PROPOSER, sha256_hex("key-a")},
                                    {"b", ActorRole::ADMIN, sha256_hex("key-b")}};
  ASSERT_NE(find_api_key(keys, "key-b"), nullptr);
  EXPECT_EQ(find_api_key(keys, "key-b")->actor_id, "b");
  EXPECT_EQ(find_api_key(keys, "key-c"), nullptr);
  EXPECT_EQ(find_api_key(keys, ""), nullptr);
}

TEST(Auth, RateLimiterRefillsOverTime) {
  RateLimiter limiter(60);  // one a second, bursts of 60
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.take("k", t0).allowed) << i;
  const auto refused = limiter.take("k", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_TRUE(limiter.take("other", t0).allowed);  // per key
  EXPECT_TRUE(limiter.take("k", t0 + std::chrono::seconds(1)).allowed);
  EXPECT_FALSE(limiter.take("k", t0 + std::chrono::seconds(1)).allowed);
  const auto unlimited = RateLimiter(0).take("k", t0);
  EXPECT_TRUE(unlimited.allowed);
  EXPECT_FALSE(unlimited.remaining.has_value());
}

// The server: section of a config file's text.
Result<ServerSettings> parse_server_settings(const std::string& yaml, const std::string& source) {
  return read_server_section(YAML::Load(yaml)["server"], source);
}

TEST(ServerConfig, SettingsAndTheirErrors) {
  const std::string hash = sha256_hex("k");
  auto s = parse_server_settings(
      "server:\n  max_batch_items: 7\n  api_keys:\n    - {actor_id: a, "
      "role: admin, key_sha256: \"" +
          hash + "\"}\n",
      "c.yaml");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s.value().max_batch_items, 7u);
  EXPECT_EQ(s.value().max_body_bytes, 1u << 20);
  EXPECT_EQ(s.value().rate_limit_per_minute, 600);
  ASSERT_EQ(s.value().api_keys.size(), 1u);
  EXPECT_EQ(s.value().api_keys[0].role, ActorRole::ADMIN);
  for (const auto& [yaml, field] : std::vector<std::pair<std::string, std::string>>{
           {"server:\n  max_batch_items: 0\n", "server.max_batch_items"},
           {"server:\n  max_batch_items: ten\n", "server.max_batch_items"},
           {"server:\n  max_body_bytes: 2147483648\n", "server.max_body_bytes"},
           {"server:\n  rate_limit_per_minute: -1\n", "server.rate_limit_per_minute"},
           {"server:\n  max_batch_item: 5\n", "server.max_batch_item"},
           {"server:\n  api_keys: {a: 1}\n", "server.api_keys"},
           {"server:\n  api_keys:\n    - {actor_id: a, role: wizard, key_sha256: \"" + hash +
                "\"}\n",
            "server.api_keys"},
           {"server:\n  api_keys:\n    - {actor_id: a, role: admin, key_sha256: \"" + hash +
                "\"}\n    - {actor_id: b, role: proposer, key_sha256: \"" + hash + "\"}\n",
            "server.api_keys"},
           {"server:\n  api_keys:\n    - {actor_id: a, role: admin, key_sha265: \"" + hash +
                "\"}\n",
            "server.api_keys[0].key_sha265"},  // a typo in an entry, not "needs key_sha256"
           {"server: [1]\n", "server"}}) {
    const auto r = parse_server_settings(yaml, "c.yaml");
    ASSERT_FALSE(r) << yaml;
    EXPECT_EQ(r.error().field, field) << yaml;
    EXPECT_NE(r.error().message.find("c.yaml"), std::string::npos);
  }
}

TEST(ServerConfig, RbacSectionAndKeyRolesCombine) {
  const std::string yaml = "rbac:\n  roles:\n    proposer: [propose]\n  actors:\n    ci: analyst\n";
  const std::vector<ApiKey> keys = {{"ci", ActorRole::PROPOSER, sha256_hex("k")}};
  auto section = RBACEnforcer::parse_yaml(yaml, "c.yaml");
  ASSERT_TRUE(section) << section.error().message;
  const RBACEnforcer rbac = server_rbac(std::move(section).value(), keys);
  EXPECT_TRUE(rbac.has_permission("ci", "propose"));  // the key's role, as configured
  EXPECT_FALSE(rbac.has_permission("ci", "decide"));  // removed from proposer
  EXPECT_TRUE(rbac.has_permission("ci", "analyze"));  // rbac.actors
  const auto bad = RBACEnforcer::parse_yaml("rbac:\n  roles:\n    proposer: [fly]\n", "c.yaml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "rbac.roles.proposer");
}

// The whole file, read once: a typo in any section is an error naming the section, the key and
// the nearest known key; a section nothing reads is one too; free-form keys are accepted.
TEST(ServerConfig, EveryUnknownKeyOfEverySectionIsAnErrorWithTheNearestKey) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("aegis_strict_" + std::to_string(::getpid()) + ".yaml");
  const auto load = [&](const std::string& yaml) {
    std::ofstream(path) << yaml;
    return load_config_file(path.string());
  };
  const std::string pub = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
  const auto ok = load(
      "version: 1\ndescription: d\nname: n\nmetadata: {anything: [1, {x: 2}]}\n"
      "novelty_threshold: 0.5\nparameters:\n  gamma: 0.5\n"
      "novelty_gate: {N0: 0.7}\nkl_drift: {tau_warning: 0.1}\n"
      "telemetry_url: null\nserver: {max_batch_items: 5}\n"
      "rbac: {actors: {a: analyst}}\nmcp: {actor_id: a}\n"
      "custodians:\n  - {actor_id: r, role: risk_lead, public_key: \"" +
      pub + "\"}\n");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().config.parameters().novelty_threshold, 0.5);
  EXPECT_EQ(ok.value().server.max_batch_items, 5u);
  EXPECT_EQ(*ok.value().mcp.actor_id, "a");
  EXPECT_EQ(ok.value().custodians.size(), 1u);
  for (const auto& [yaml, field, nearest] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"novelty_treshold: 0.5\n", "novelty_treshold", "novelty_threshold"},
           {"parameters:\n  gama: 0.5\n", "parameters.gama", "gamma"},
           {"novelty_gate: {NO: 0.7}\n", "novelty_gate.NO", "N0"},
           {"kl_drift: {tau_warn: 0.1}\n", "kl_drift.tau_warn", "tau_warning"},
           {"telemetry_ur: https://x\n", "telemetry_ur", "telemetry_url"},
           {"server: {max_batch_item: 5}\n", "server.max_batch_item", "max_batch_items"},
           {"rbac: {actor: {a: analyst}}\n", "rbac.actor", "actors"},
           {"mcp: {actorid: a}\n", "mcp.actorid", "actor_id"},
           {"custodians:\n  - {actor_id: r, role: risk_lead, publickey: \"" + pub + "\"}\n",
            "custodians[0].publickey", "public_key"},
           {"servr: {}\n", "servr", "server"},
           {"telemetry: {url: https://x}\n", "telemetry", ""},
           {"store: {url: sqlite:x}\n", "store", ""},
           {"roles: {}\n", "roles", ""}}) {
    const auto r = load(yaml);
    ASSERT_FALSE(r) << yaml;
    EXPECT_EQ(r.error().detail, "config.unknown_key") << yaml << r.error().message;
    EXPECT_EQ(r.error().field, field) << yaml;
    if (!nearest.empty()) {
      EXPECT_NE(r.error().message.find("did you mean '" + nearest + "'"), std::string::npos)
          << r.error().message;
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace aegis
