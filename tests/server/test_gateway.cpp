// The gateway's policy (reading and evaluating it) and its fail-closed paths, in process, in front
// of the real server-memory (npm, tests/gateway/node_modules).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "aegis/core/config_loader.h"
#include "aegis/core/errors.h"
#include "aegis/server/errors.h"
#include "aegis/server/gateway.h"
#include "aegis/server/gateway_policy.h"
#include "aegis/service/decision_service.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

Result<GatewaySettings> settings_from(const std::string& yaml) {
  GatewaySettings out;
  ConfigLoader loader;
  loader.add_section("gateway", [&](const YAML::Node& n, const std::string& source) {
    auto s = read_gateway_section(n, source);
    if (!s) return std::optional<Error>(s.error());
    out = s.value();
    return std::optional<Error>();
  });
  auto c = loader.parse(yaml, "test.yaml");
  if (!c) return c.error();
  return out;
}

const char* kUpstream = "  upstreams:\n    - {name: fs, command: node}\n";

TEST(GatewayPolicyConfig, ErrorsNameTheKeyAndTheNearestSpelling) {
  auto typo = settings_from(std::string("gateway:\n") + kUpstream + "  rule: []\n");
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().detail, "config.unknown_key");
  EXPECT_NE(typo.error().message.find("did you mean 'rules'"), std::string::npos)
      << typo.error().message;

  const std::pair<std::string, std::string> cases[] = {
      {"  upstreams: []\n", "gateway.upstreams"},
      {"  upstreams:\n    - {name: Fs, command: node}\n", "gateway.upstreams[0].name"},
      {"  upstreams:\n    - {name: a__b, command: node}\n", "gateway.upstreams[0].name"},
      {"  upstreams:\n    - {name: fs, command: node}\n    - {name: fs, command: x}\n",
       "gateway.upstreams[1].name"},
      {std::string(kUpstream) + "  rules:\n    - {name: r, tools: ['*'], upstream: db}\n",
       "gateway.rules[0].upstream"},
      {std::string(kUpstream) + "  rules:\n    - {name: r}\n", "gateway.rules[0].tools"},
      {std::string(kUpstream) +
           "  rules:\n    - {name: r, tools: [x], when: [{arg: p, regex: '('}]}\n",
       "gateway.rules[0].when[0].regex"},
      {std::string(kUpstream) +
           "  rules:\n    - {name: r, tools: [x], when: [{arg: p, inside: rel}]}\n",
       "gateway.rules[0].when[0].inside"},
      {std::string(kUpstream) +
           "  rules:\n    - {name: r, tools: [x], when: [{arg: p, prefix: a, equals: b}]}\n",
       "gateway.rules[0].when[0]"},
      {std::string(kUpstream) +
           "  rules:\n    - {name: r, tools: [x], context: {risk_proposed: 2}}\n",
       "gateway.rules[0].context.risk_proposed"},
      {std::string(kUpstream) +
           "  rules:\n    - {name: r, tools: [x], context: {estimated_impact: huge}}\n",
       "gateway.rules[0].context.estimated_impact"},
  };
  for (const auto& [body, field] : cases) {
    auto r = settings_from("gateway:\n" + body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().field, field) << body << r.error().message;
  }
}

TEST(GatewayPolicyConfig, EnvironmentVariablesAreSubstitutedAndAnUnsetOneIsAnError) {
  ::setenv("AEGIS_TEST_DIR", "/srv/work", 1);
  ::unsetenv("AEGIS_TEST_UNSET");
  auto ok = settings_from(
      "gateway:\n  upstreams:\n    - {name: fs, command: node, args: ['${AEGIS_TEST_DIR}/x', "
      "'$${AEGIS_TEST_DIR}']}\n");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().upstreams[0].args,
            (std::vector<std::string>{"/srv/work/x", "${AEGIS_TEST_DIR}"}));
  auto unset = settings_from(
      "gateway:\n  upstreams:\n    - {name: fs, command: node, args: ['${AEGIS_TEST_UNSET}']}\n");
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().detail, "config.env_unset");
  EXPECT_EQ(unset.error().field, "gateway.upstreams[0].args[0]");
  EXPECT_NE(unset.error().message.find("AEGIS_TEST_UNSET is not set"), std::string::npos);
}

TEST(GatewayPolicy, GlobMatches) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("read_*", "read_text_file"));
  EXPECT_TRUE(glob_match("*_file", "write_file"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("read_*", "write_file"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
  EXPECT_TRUE(glob_match("*a*b*c*", std::string(1000, 'a') + "bc"));
}

// The context a call of `tool` with `args` gets under `rules`.
Result<GatewayVerdictInput> decide(const std::string& rules, const std::string& tool,
                                   const json& args, const json& annotations = json()) {
  static GatewaySettings s;
  auto r = settings_from(std::string("gateway:\n") + kUpstream + "  rules:\n" + rules);
  if (!r) return r.error();
  s = r.value();
  const GatewayCall call{&s.upstreams[0], tool, &args, &annotations, "agent", "session"};
  return gateway_context(s, call);
}

TEST(GatewayPolicy, PredicatesAndTheFirstMatchingRule) {
  const fs::path dir = fs::temp_directory_path() / ("aegis-gw-" + std::to_string(::getpid()));
  fs::create_directories(dir / "denied");
  fs::create_directories(dir / "ok");
  fs::remove(dir / "ok" / "link");
  fs::create_directory_symlink(dir / "denied", dir / "ok" / "link");
  const std::string rules =
      "    - {name: denied, tools: ['*'], when: [{arg: [path, paths], inside: '" +
      (dir / "denied").string() +
      "'}], context: {risk_proposed: 0.9}, record: [path]}\n"
      "    - {name: big, tools: [pay], when: [{arg: amount, min: 100}]}\n"
      "    - {name: prod, tools: [deploy], when: [{arg: env, equals: prod}, {arg: ref, regex: "
      "'^v[0-9]+$'}]}\n"
      "    - {name: tmp, tools: ['*'], when: [{arg: path, prefix: /var/aegis/}]}\n";
  auto rule = [&](const std::string& tool, const json& args) {
    auto r = decide(rules, tool, args);
    return r ? r.value().rule : "error: " + r.error().message;
  };
  EXPECT_EQ(rule("write", {{"path", (dir / "denied" / "a").string()}}), "denied");
  EXPECT_EQ(rule("write", {{"path", (dir / "ok" / ".." / "denied" / "a").string()}}), "denied");
  EXPECT_EQ(rule("write", {{"path", (dir / "ok" / "link" / "a").string()}}), "denied");  // symlink
  EXPECT_EQ(rule("read", {{"paths", {"/etc/x", (dir / "denied" / "b").string()}}}), "denied");
  EXPECT_EQ(rule("write", {{"path", (dir / "ok" / "a").string()}}), "annotations");
  EXPECT_EQ(rule("pay", {{"amount", 150}}), "big");
  EXPECT_EQ(rule("pay", {{"amount", 50}}), "annotations");
  EXPECT_EQ(rule("pay", {{"amount", "150"}}).rfind("error: gateway policy: argument amount", 0),
            0u);
  EXPECT_EQ(rule("deploy", {{"env", "prod"}, {"ref", "v12"}}), "prod");
  EXPECT_EQ(rule("deploy", {{"env", "prod"}, {"ref", "main"}}), "annotations");
  EXPECT_EQ(rule("x", {{"path", "/var/aegis/a"}}), "tmp");
  // A relative path cannot be placed without the upstream's cwd: not decided, not forwarded.
  EXPECT_EQ(rule("write", {{"path", "notes.txt"}}).rfind("error: gateway policy", 0), 0u);

  auto denied =
      decide(rules, "write", {{"path", (dir / "denied" / "a").string()}, {"content", "s"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied.value().context.risk_proposed, 0.9);
  EXPECT_EQ(denied.value().recorded, (json{{"path", (dir / "denied" / "a").string()}}));
  fs::remove_all(dir);
}

TEST(GatewayPolicy, AnnotationsAreHintsAndAnUnannotatedToolIsDestructive) {
  auto ctx = [](const json& annotations) {
    return decide("    - {name: none, tools: [nothing]}\n", "t", json::object(), annotations)
        .value()
        .context;
  };
  EXPECT_EQ(ctx({{"readOnlyHint", true}}).estimated_impact, "low");
  EXPECT_TRUE(ctx({{"readOnlyHint", true}}).reversible);
  EXPECT_EQ(ctx({{"destructiveHint", false}}).estimated_impact, "medium");
  EXPECT_TRUE(ctx({{"destructiveHint", false}}).reversible);
  for (const json& a :
       {json(), json::object(), json{{"destructiveHint", true}}, json{{"readOnlyHint", "yes"}}}) {
    EXPECT_EQ(ctx(a).estimated_impact, "high") << a;
    EXPECT_FALSE(ctx(a).reversible) << a;
  }
  // Routine calls are not halted by the novelty gate: the gateway sets novelty 1.
  EXPECT_EQ(ctx({{"readOnlyHint", true}}).novelty_score, 1.0);
}

}  // namespace
}  // namespace aegis
