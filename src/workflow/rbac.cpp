#include "aegis/workflow/rbac.h"

#include <yaml-cpp/yaml.h>

#include "aegis/core/errors.h"
#include "aegis/workflow/errors.h"

namespace aegis {

std::string_view to_string(ActorRole v) noexcept { return name_in(kRoleNames, v); }

std::optional<ActorRole> parse_role(std::string_view s) noexcept { return value_in<kRoleNames>(s); }

bool is_permission(std::string_view p) noexcept {
  for (auto k : kPermissions)
    if (k == p) return true;
  return false;
}

std::set<std::string> default_permissions(ActorRole role) {
  switch (role) {
    case ActorRole::PROPOSER:
      return {"decide", "propose", "read_decisions"};
    case ActorRole::ANALYST:
      return {"analyze", "read_decisions"};
    case ActorRole::APPROVER:
      return {"approve", "read_decisions"};
    case ActorRole::EXECUTOR:
      return {"decide", "execute", "gate_rollout", "read_decisions"};
    case ActorRole::CALIBRATOR:
      return {"calibrate", "read_decisions"};
    case ActorRole::RISK_LEAD:
    case ActorRole::SECURITY_LEAD:
      return {"sign_override", "read_decisions"};
    case ActorRole::ADMIN:
      return {kPermissions.begin(), kPermissions.end()};
  }
  return {};
}

RBACEnforcer::RBACEnforcer() {
  for (ActorRole r : kAllRoles) table_[r] = default_permissions(r);
}

void RBACEnforcer::set_role_permissions(ActorRole role, std::set<std::string> permissions) {
  for (const auto& p : permissions) {
    if (!is_permission(p))
      throw_error(
          Error(errors::kRbacUnknownPermission, "permissions", "unknown permission \"" + p + "\""));
  }
  table_[role] = std::move(permissions);
}

void RBACEnforcer::assign(std::string actor_id, ActorRole role) {
  if (actor_id.empty())
    throw_error(Error(errors::kRbacInvalid, "actor_id", "actor_id is required"));
  actors_[std::move(actor_id)].insert(role);
}

const std::set<std::string>& RBACEnforcer::permissions(ActorRole role) const {
  return table_.at(role);
}

std::set<ActorRole> RBACEnforcer::roles_of(std::string_view actor_id) const {
  auto it = actors_.find(actor_id);
  return it == actors_.end() ? std::set<ActorRole>{} : it->second;
}

bool RBACEnforcer::has_permission(std::string_view actor_id, std::string_view permission) const {
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) return false;
  for (ActorRole r : it->second) {
    const auto& perms = table_.at(r);
    if (perms.find(std::string(permission)) != perms.end()) return true;
  }
  return false;
}

std::optional<Error> RBACEnforcer::check(std::string_view actor_id,
                                         std::string_view permission) const {
  if (has_permission(actor_id, permission)) return std::nullopt;
  return Error{errors::kRbacDenied, "actor_id",
               "actor '" + std::string(actor_id) + "' lacks the '" + std::string(permission) +
                   "' permission"};
}

void RBACEnforcer::require(std::string_view actor_id, std::string_view permission) const {
  if (auto e = check(actor_id, permission)) throw_error(std::move(*e));
}

Result<RBACEnforcer> RBACEnforcer::parse_yaml(const std::string& text, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(text);
    return read_section(root && root.IsMap() ? root["rbac"] : YAML::Node(), source);
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
}

Result<RBACEnforcer> RBACEnforcer::read_section(const YAML::Node& rbac, const std::string& source) {
  RBACEnforcer r;
  auto fail = [&](const std::string& key, const std::string& why) {
    return Error(errors::kRbacConfig, key, source + ": key '" + key + "': " + why);
  };
  try {
    if (!rbac || rbac.IsNull()) return r;
    if (!rbac.IsMap()) return fail("rbac", "must be a mapping");
    static const std::vector<std::string> kKeys = {"roles", "actors"};
    for (const auto& kv : rbac) {
      const std::string key = kv.first.Scalar();
      if (key != "roles" && key != "actors")
        return unknown_config_key(source, "rbac." + key, "rbac", key, kKeys);
    }
    if (const YAML::Node roles = rbac["roles"]) {
      if (!roles.IsMap()) return fail("rbac.roles", "must be a mapping of role to permissions");
      for (const auto& kv : roles) {
        const std::string name = kv.first.Scalar();
        const auto role = parse_role(name);
        if (!role) return fail("rbac.roles." + name, "unknown role");
        if (!kv.second.IsSequence()) return fail("rbac.roles." + name, "must be a list");
        std::set<std::string> perms;
        for (const auto& p : kv.second) {
          if (!p.IsScalar() || !is_permission(p.Scalar()))
            return fail("rbac.roles." + name, "unknown permission \"" + p.Scalar() + "\"");
          perms.insert(p.Scalar());
        }
        r.table_[*role] = std::move(perms);
      }
    }
    if (const YAML::Node actors = rbac["actors"]) {
      if (!actors.IsMap()) return fail("rbac.actors", "must be a mapping of actor to role");
      for (const auto& kv : actors) {
        const std::string actor = kv.first.Scalar();
        const auto add = [&](const YAML::Node& n) -> std::optional<Error> {
          const auto role = n.IsScalar() ? parse_role(n.Scalar()) : std::nullopt;
          if (!role || actor.empty()) return fail("rbac.actors." + actor, "unknown role");
          r.actors_[actor].insert(*role);
          return std::nullopt;
        };
        if (kv.second.IsSequence()) {
          for (const auto& n : kv.second)
            if (auto e = add(n)) return *e;
        } else if (auto e = add(kv.second)) {
          return *e;
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  return r;
}

Result<RBACEnforcer> RBACEnforcer::load_yaml(const std::filesystem::path& path) {
  auto text = read_config_text(path);
  if (!text) return text.error();
  return parse_yaml(text.value(), path.string());
}

}  // namespace aegis
