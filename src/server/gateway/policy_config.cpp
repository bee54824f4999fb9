// Reading the `gateway:` section strictly: every key known, every value checked, each error
// naming its key.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/context.h"
#include "aegis/core/digest.h"
#include "aegis/core/errors.h"
#include "aegis/server/errors.h"
#include "aegis/server/gateway_policy.h"

namespace aegis {
namespace {

// The reading of one node, with its key path for errors.
struct Reader {
  const std::string& source;

  Error bad(const std::string& key, const std::string& why) const {
    return Error(errors::kGatewayConfig, key, source + ": " + key + " " + why);
  }
  // Refuses a key of `map` outside `known`, naming the nearest.
  std::optional<Error> keys(const YAML::Node& map, const std::string& path,
                            const std::vector<std::string>& known) const {
    if (!map.IsMap()) return bad(path, "must be a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), k) == known.end())
        return unknown_config_key(source, path + "." + k, path, k, known);
    }
    return std::nullopt;
  }
  Result<std::string> text(const YAML::Node& n, const std::string& key) const {
    if (!n || !n.IsScalar() || n.Scalar().empty()) return bad(key, "must be a non-empty string");
    return n.Scalar();
  }
  Result<std::vector<std::string>> texts(const YAML::Node& n, const std::string& key) const {
    std::vector<std::string> out;
    if (!n) return bad(key, "must be a string or a list of strings");
    if (n.IsScalar())
      n.IsNull() ? void() : out.push_back(n.Scalar());
    else if (!n.IsSequence())
      return bad(key, "must be a string or a list of strings");
    for (size_t i = 0; n.IsSequence() && i < n.size(); ++i) {
      auto t = text(n[i], key + "[" + std::to_string(i) + "]");
      if (!t) return t.error();
      out.push_back(t.value());
    }
    return out;
  }
  Result<double> number(const YAML::Node& n, const std::string& key, double lo, double hi) const {
    try {
      const double d = n.as<double>();
      if (!n.IsScalar() || !std::isfinite(d) || d < lo || d > hi) throw YAML::Exception({}, "");
      return d;
    } catch (const YAML::Exception&) {
      return bad(key, "must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
  }
  Result<bool> flag(const YAML::Node& n, const std::string& key) const {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    return bad(key, "must be true or false");
  }
  // The strings of `map`'s optional key `key` (under path `at`) into `out`; absent: untouched.
  std::optional<Error> optional_texts(const YAML::Node& map, const char* key, const std::string& at,
                                      std::vector<std::string>& out) const {
    if (!map[key]) return std::nullopt;
    auto t = texts(map[key], at + "." + key);
    if (!t) return t.error();
    out = t.value();
    return std::nullopt;
  }
  // A mapping of names to strings (an upstream's env, headers).
  std::optional<Error> strings(const YAML::Node& n, const std::string& key, const char* what,
                               std::map<std::string, std::string>& out) const {
    if (!n.IsMap()) return bad(key, std::string("must be a mapping of ") + what + " to values");
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) return bad(key + "." + kv.first.Scalar(), "must be a string");
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return std::nullopt;
  }
  Result<std::string> directory(const YAML::Node& n, const std::string& key) const {
    auto t = text(n, key);
    if (!t) return t;
    std::filesystem::path p(t.value());
    if (p.is_relative()) return bad(key, "must be an absolute directory");
    std::error_code ec;
    auto c = std::filesystem::weakly_canonical(p, ec);
    if (ec) return bad(key, "cannot be normalised");
    std::string s = c.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  }
};

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && s.find("__") == std::string::npos &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

// The Streamable HTTP keys of an upstream: url, headers, bearer_env.
std::optional<Error> read_http(const Reader& r, const YAML::Node& n, const std::string& at,
                               GatewayUpstream& u) {
  auto url = r.text(n["url"], at + ".url");
  if (!url) return url.error();
  if (url.value().rfind("http://", 0) != 0 && url.value().rfind("https://", 0) != 0)
    return r.bad(at + ".url", "must be an http:// or https:// URL");
  u.url = url.value();
  if (n["headers"])
    if (auto e = r.strings(n["headers"], at + ".headers", "header names", u.headers)) return e;
  if (n["bearer_env"]) {
    auto b = r.text(n["bearer_env"], at + ".bearer_env");
    if (!b) return b.error();
    u.bearer_env = b.value();
  }
  return std::nullopt;
}

Result<GatewayUpstream> read_upstream(const Reader& r, const YAML::Node& n, const std::string& at) {
  if (auto e = r.keys(
          n, at,
          {"name", "command", "args", "env", "inherit_env", "cwd", "url", "headers", "bearer_env"}))
    return *e;
  GatewayUpstream u;
  auto name = r.text(n["name"], at + ".name");
  if (!name) return name.error();
  if (!valid_name(name.value()))
    return r.bad(at + ".name", "must be 1 to 64 of a-z, 0-9, _ and - without \"__\"");
  u.name = name.value();
  const bool process = n["command"] || n["args"] || n["env"] || n["inherit_env"];
  const bool http = n["url"] || n["headers"] || n["bearer_env"];
  if (process == http)
    return r.bad(at, "must have either command (a process over stdio) or url (Streamable HTTP)");
  if (http) {
    if (auto e = read_http(r, n, at, u)) return *e;
  } else {
    auto command = r.text(n["command"], at + ".command");
    if (!command) return command.error();
    u.command = command.value();
  }
  if (auto e = r.optional_texts(n, "args", at, u.args)) return *e;
  if (n["env"])
    if (auto e = r.strings(n["env"], at + ".env", "variable names", u.env)) return *e;
  if (auto e = r.optional_texts(n, "inherit_env", at, u.inherit_env)) return *e;
  if (n["cwd"]) {
    auto d = r.directory(n["cwd"], at + ".cwd");
    if (!d) return d.error();
    u.cwd = d.value();
  }
  return u;
}

Result<GatewayPredicate> read_predicate(const Reader& r, const YAML::Node& n,
                                        const std::string& at) {
  using Op = GatewayPredicate::Op;
  static const std::vector<std::string> kOps = {"equals", "prefix", "regex",  "min",
                                                "max",    "inside", "outside"};
  std::vector<std::string> known = kOps;
  known.push_back("arg");
  if (auto e = r.keys(n, at, known)) return *e;
  GatewayPredicate p;
  auto args = r.texts(n["arg"], at + ".arg");
  if (!args || args.value().empty())
    return r.bad(at + ".arg", "must name an argument, or a list of arguments");
  p.args = args.value();
  std::vector<std::string> given;
  for (const auto& op : kOps)
    if (n[op]) given.push_back(op);
  const bool range = !given.empty() && std::all_of(given.begin(), given.end(), [](auto& g) {
    return g == "min" || g == "max";
  });
  if (given.empty() || (given.size() > 1 && !range))
    return r.bad(at,
                 "must have exactly one of equals, prefix, regex, inside, outside (or min/max)");
  const std::string& op = given[0];
  const std::string key = at + "." + op;
  if (range) {
    p.op = Op::kRange;
    auto lo = n["min"] ? r.number(n["min"], at + ".min", -1e300, 1e300) : Result<double>(-1e300);
    auto hi = n["max"] ? r.number(n["max"], at + ".max", -1e300, 1e300) : Result<double>(1e300);
    if (!lo) return lo.error();
    if (!hi) return hi.error();
    p.lo = lo.value();
    p.hi = hi.value();
  } else if (op == "equals") {
    const YAML::Node v = n[op];
    if (!v.IsScalar()) return r.bad(key, "must be a string, number or boolean");
    p.value = v.Scalar();
    if (v.Tag() != "!") {  // unquoted: a number or a boolean when it reads as one
      if (v.Scalar() == "true" || v.Scalar() == "false")
        p.value = v.Scalar() == "true";
      else if (auto d = r.number(v, key, -1e300, 1e300))
        p.value = d.value();
    }
  } else if (op == "prefix" || op == "regex") {
    auto t = r.text(n[op], key);
    if (!t) return t.error();
    p.op = op == "prefix" ? Op::kPrefix : Op::kRegex;
    p.text = t.value();
    if (p.op == Op::kRegex) {
      RE2::Options o;
      o.set_log_errors(false);
      auto re = std::make_shared<RE2>(p.text, o);
      if (!re->ok()) return r.bad(key, "is not a valid regular expression: " + re->error());
      p.regex = re;
    }
  } else {
    auto d = r.directory(n[op], key);
    if (!d) return d.error();
    p.op = op == "inside" ? Op::kInside : Op::kOutside;
    p.text = d.value();
  }
  return p;
}

std::optional<Error> read_context(const Reader& r, const YAML::Node& n, const std::string& at,
                                  GatewayContextTemplate& t) {
  if (auto e = r.keys(
          n, at,
          {"estimated_impact", "reversible", "requires_human_approval", "risk_baseline",
           "risk_proposed", "novelty_score", "complexity_score", "quality_score", "metadata"}))
    return e;
  if (n["estimated_impact"]) {
    auto v = r.text(n["estimated_impact"], at + ".estimated_impact");
    if (!v || !parse_impact(v.value()))
      return r.bad(at + ".estimated_impact", "must be one of low, medium, high, critical");
    t.estimated_impact = v.value();
  }
  for (auto [key, out] : {std::pair{"reversible", &t.reversible},
                          std::pair{"requires_human_approval", &t.requires_human_approval}}) {
    if (!n[key]) continue;
    auto v = r.flag(n[key], at + "." + key);
    if (!v) return v.error();
    *out = v.value();
  }
  for (auto [key, out] :
       {std::pair{"risk_baseline", &t.risk_baseline}, std::pair{"risk_proposed", &t.risk_proposed},
        std::pair{"novelty_score", &t.novelty_score},
        std::pair{"complexity_score", &t.complexity_score},
        std::pair{"quality_score", &t.quality_score}}) {
    if (!n[key]) continue;
    auto v = r.number(n[key], at + "." + key, 0, 1);
    if (!v) return v.error();
    *out = v.value();
  }
  if (const YAML::Node m = n["metadata"]) {
    if (!m.IsMap()) return r.bad(at + ".metadata", "must be a mapping of strings");
    for (const auto& kv : m) {
      if (!kv.second.IsScalar())
        return r.bad(at + ".metadata." + kv.first.Scalar(), "must be a string");
      t.metadata[kv.first.Scalar()] = kv.second.Scalar();
    }
  }
  return std::nullopt;
}

Result<GatewayRule> read_rule(const Reader& r, const YAML::Node& n, const std::string& at,
                              const GatewaySettings& s) {
  if (auto e = r.keys(n, at, {"name", "upstream", "tools", "when", "context", "record"})) return *e;
  GatewayRule rule;
  auto name = r.text(n["name"], at + ".name");
  if (!name) return name.error();
  rule.name = name.value();
  if (n["upstream"]) {
    auto u = r.text(n["upstream"], at + ".upstream");
    if (!u) return u.error();
    if (std::none_of(s.upstreams.begin(), s.upstreams.end(),
                     [&](const auto& up) { return up.name == u.value(); }))
      return r.bad(at + ".upstream", "names no upstream of gateway.upstreams");
    rule.upstream = u.value();
  }
  auto tools = r.texts(n["tools"], at + ".tools");
  if (!tools || tools.value().empty())
    return r.bad(at + ".tools", "must name the tools (glob patterns, \"*\" for all)");
  rule.tools = tools.value();
  if (const YAML::Node w = n["when"]) {
    if (!w.IsSequence()) return r.bad(at + ".when", "must be a list of conditions");
    for (size_t i = 0; i < w.size(); ++i) {
      auto p = read_predicate(r, w[i], at + ".when[" + std::to_string(i) + "]");
      if (!p) return p.error();
      rule.when.push_back(p.value());
    }
  }
  if (n["context"])
    if (auto e = read_context(r, n["context"], at + ".context", rule.context)) return *e;
  if (auto e = r.optional_texts(n, "record", at, rule.record)) return *e;
  return rule;
}

}  // namespace

Result<GatewaySettings> read_gateway_section(const YAML::Node& node, const std::string& source) {
  const Reader r{source};
  GatewaySettings s;
  try {
    if (auto e = r.keys(node, "gateway", {"principal", "upstreams", "rules"})) return *e;
    if (node["principal"]) {
      auto p = r.text(node["principal"], "gateway.principal");
      if (!p) return p.error();
      if (p.value().size() > kMaxIdLength) return r.bad("gateway.principal", "is too long");
      s.principal = p.value();
    }
    const YAML::Node ups = node["upstreams"];
    if (!ups || !ups.IsSequence() || ups.size() == 0)
      return r.bad("gateway.upstreams", "must list at least one MCP server");
    std::set<std::string> names;
    for (size_t i = 0; i < ups.size(); ++i) {
      auto u = read_upstream(r, ups[i], "gateway.upstreams[" + std::to_string(i) + "]");
      if (!u) return u.error();
      if (!names.insert(u.value().name).second)
        return r.bad("gateway.upstreams[" + std::to_string(i) + "].name",
                     "repeats an earlier name");
      s.upstreams.push_back(u.value());
    }
    if (const YAML::Node rules = node["rules"]) {
      if (!rules.IsSequence()) return r.bad("gateway.rules", "must be a list of rules");
      std::set<std::string> rule_names;
      for (size_t i = 0; i < rules.size(); ++i) {
        const std::string at = "gateway.rules[" + std::to_string(i) + "]";
        auto rule = read_rule(r, rules[i], at, s);
        if (!rule) return rule.error();
        if (!rule_names.insert(rule.value().name).second)
          return r.bad(at + ".name", "repeats an earlier rule's name");
        s.rules.push_back(rule.value());
      }
    }
    // The rules, the principal and what each upstream is (name, command, arguments, working
    // directory, URL): not their environment or headers, which may hold secrets.
    YAML::Emitter out;
    out << YAML::BeginSeq << node["principal"] << node["rules"];
    for (const auto& u : s.upstreams)
      out << YAML::Flow << YAML::BeginSeq << u.name << u.command << u.args << u.cwd.value_or("")
          << u.url.value_or("") << YAML::EndSeq;
    out << YAML::EndSeq;
    s.policy_hash = sha256_hex(out.c_str());
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return s;
}

}  // namespace aegis
