// The `approvals:` section of a config file (docs/approvals.md#requirements).
#include <algorithm>

#include "aegis/core/config.h"
#include "aegis/core/errors.h"
#include "aegis/core/spelling.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/errors.h"

namespace aegis {

namespace {

// approvals.pause / approvals.escalate.
std::optional<Error> read_requirement(const YAML::Node& n, const std::string& at,
                                      const std::string& source, ApprovalRequirement& out) {
  auto bad = [&](const std::string& key, const std::string& why) {
    return Error(errors::kApprovalConfig, key, source + ": key '" + key + "': " + why);
  };
  if (!n.IsMap()) return bad(at, "must be a mapping with approvers and roles");
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (key != "approvers" && key != "roles")
      return unknown_config_key(source, at + "." + key, at, key, {"approvers", "roles"});
  }
  if (const YAML::Node a = n["approvers"]) {
    int v = 0;
    if (!a.IsScalar() || !YAML::convert<int>::decode(a, v) || v < 1 || v > 10)
      return bad(at + ".approvers", "must be a whole number from 1 to 10");
    out.approvers = v;
  }
  if (const YAML::Node r = n["roles"]) {
    if (!r.IsSequence()) return bad(at + ".roles", "must be a list of role names");
    out.sufficient_roles.clear();
    for (const auto& role : r) {
      const std::string name = role.IsScalar() ? role.Scalar() : "";
      if (!parse_role(name)) {
        std::vector<std::string> known;
        for (const auto& row : kRoleNames) known.emplace_back(row.name);
        return bad(at + ".roles", "'" + name + "' is not a role" + did_you_mean(name, known));
      }
      out.sufficient_roles.push_back(name);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<ApprovalPolicy> read_approvals_section(const YAML::Node& node, const std::string& source) {
  ApprovalPolicy p;
  auto bad = [&](const std::string& key, const std::string& why) {
    return Error(errors::kApprovalConfig, key, source + ": key '" + key + "': " + why);
  };
  try {
    if (!node.IsMap()) return bad("approvals", "must be a mapping");
    static const std::vector<std::string> kKeys = {"ttl_seconds", "hold_timeout_seconds",
                                                   "elicitation", "pause", "escalate"};
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
        return unknown_config_key(source, "approvals." + key, "approvals", key, kKeys);
    }
    auto seconds = [&](const char* key, double lo, double hi, const char* range) -> Result<double> {
      double v = 0;
      const YAML::Node n = node[key];
      if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !(v >= lo && v <= hi))
        return bad(std::string("approvals.") + key,
                   std::string("must be a number of seconds from ") + range);
      return v;
    };
    if (node["ttl_seconds"]) {
      auto v = seconds("ttl_seconds", 1, 7 * 86400, "1 to 604800 (a week)");
      if (!v) return v.error();
      p.ttl = std::chrono::seconds(static_cast<int64_t>(v.value()));
    }
    if (node["hold_timeout_seconds"]) {
      auto v = seconds("hold_timeout_seconds", 0.05, 3600, "0.05 to 3600");
      if (!v) return v.error();
      p.hold_timeout = std::chrono::milliseconds(static_cast<int64_t>(v.value() * 1000));
    }
    if (const YAML::Node e = node["elicitation"]) {
      bool v = false;
      if (!e.IsScalar() || !YAML::convert<bool>::decode(e, v))
        return bad("approvals.elicitation", "must be true or false");
      p.elicitation = v;
    }
    if (node["pause"])
      if (auto e = read_requirement(node["pause"], "approvals.pause", source, p.pause)) return *e;
    if (node["escalate"])
      if (auto e = read_requirement(node["escalate"], "approvals.escalate", source, p.escalate))
        return *e;
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return p;
}

}  // namespace aegis
