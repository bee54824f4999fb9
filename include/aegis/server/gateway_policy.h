// The `gateway:` section of a config file (docs/gateway.md): the MCP servers `aegis gateway`
// stands in front of, and the policy that turns each tool call into a context to decide.
// Read once, immutable afterwards: thread-safe to share.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aegis/core/context.h"
#include "aegis/core/error.h"

namespace aegis {

// One MCP server behind the gateway: a child process over stdio (`command`), or a Streamable
// HTTP endpoint (`url`).
struct GatewayUpstream {
  std::string name;  // [a-z0-9_-]+ without "__"; its tools are offered as "<name>__<tool>"
  std::string command;
  std::vector<std::string> args;
  // The child's whole environment: `env` as given, plus each variable of `inherit_env` taken from
  // the gateway's own environment (nothing else of it).
  std::map<std::string, std::string> env;
  std::vector<std::string> inherit_env;
  std::optional<std::string>
      cwd;  // its working directory; relative paths in arguments resolve here
  std::optional<std::string> url;  // http(s)://…: a Streamable HTTP server instead of a process
  std::map<std::string, std::string> headers;  // sent with each request (values may be ${VAR})
  std::optional<std::string> bearer_env;       // the variable whose value is the bearer token
};

// A condition on arguments of a tool call. Each of `args` is a key of the arguments, or a dotted
// path into nested objects ("options.mode"); the condition holds when it holds for one of them. A
// missing argument fails it; an array argument passes when one of its elements does (so "any path
// under X" is written once, for single paths, lists and several path arguments alike).
struct GatewayPredicate {
  enum class Op { kEquals, kPrefix, kRegex, kRange, kInside, kOutside };
  std::vector<std::string> args;
  Op op = Op::kEquals;
  nlohmann::json value;  // kEquals
  std::string text;      // kPrefix; kRegex's pattern; kInside/kOutside's directory (normalised)
  std::shared_ptr<const void> regex;  // kRegex: the compiled pattern (RE2)
  double lo = 0, hi = 0;              // kRange: lo <= value <= hi
};

// What a matching rule makes of a call; unset fields take the routine defaults of
// GatewayPolicy::decide_context.
struct GatewayContextTemplate {
  std::optional<std::string> estimated_impact;
  std::optional<bool> reversible, requires_human_approval;
  std::optional<double> risk_baseline, risk_proposed, novelty_score, complexity_score,
      quality_score;
  nlohmann::json metadata = nlohmann::json::object();
};

struct GatewayRule {
  std::string name;
  std::optional<std::string> upstream;  // nullopt: any upstream
  std::vector<std::string> tools;       // glob patterns (* and ?) over the upstream's tool name
  std::vector<GatewayPredicate> when;   // all must hold
  GatewayContextTemplate context;
  std::vector<std::string> record;  // arguments whose values the chain keeps
};

struct GatewaySettings {
  std::string principal = "mcp-client";    // the agent_id of stdio calls
  std::vector<GatewayUpstream> upstreams;  // in the file's order: the order of the tool list
  std::vector<GatewayRule> rules;          // the first match applies
  // SHA-256 of the section as read (its YAML emitted again): what an approval's digest binds, so
  // that a changed policy releases nothing approved under the old one.
  std::string policy_hash;
};

// Reads the `gateway:` section (a ConfigLoader hands it over; ${NAME} already substituted):
// "gateway.config" naming the key ("gateway.rules[2].when[0].inside") for a value that cannot be
// applied, "config.unknown_key" with the nearest key for one that is none.
Result<GatewaySettings> read_gateway_section(const YAML::Node& node, const std::string& source);

// A tool call as the policy sees it.
struct GatewayCall {
  const GatewayUpstream* upstream = nullptr;
  std::string tool;                             // the upstream's name for it
  const nlohmann::json* arguments = nullptr;    // an object
  const nlohmann::json* annotations = nullptr;  // the tool's, as listed (may be null)
  std::string principal, session_id;
};

// The context a call is decided on, and what the chain keeps of it.
struct GatewayVerdictInput {
  PCWContext context;
  std::string rule;         // the matching rule's name, or "annotations"
  nlohmann::json recorded;  // the values of the arguments the rule names (an object)
};

// Evaluates the rules in order against `call`. Without a matching rule the tool's annotations
// are read as untrusted hints: readOnlyHint true → a low-impact, reversible call;
// destructiveHint false (and not read-only) → medium impact, reversible; otherwise (destructive,
// or no annotations) → high impact and irreversible, which needs a human. Errors
// ("gateway.policy") when a predicate cannot be evaluated — a relative path where the upstream
// has no cwd, a value of the wrong type for a range — so that the call is not forwarded.
Result<GatewayVerdictInput> gateway_context(const GatewaySettings& settings,
                                            const GatewayCall& call);

// Whether `name` matches the glob `pattern` (* any run, ? one character).
bool glob_match(std::string_view pattern, std::string_view name) noexcept;

}  // namespace aegis
