// Roles, permissions and the RBAC enforcer (docs/roles.md). Configure an RBACEnforcer, then share
// it read-only: const methods are thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "aegis/core/decide.h"
#include "aegis/core/error.h"
#include "aegis/core/names.h"

namespace aegis {

// Wire form: "proposer", "analyst", ..., "admin".
enum class ActorRole {
  PROPOSER,
  ANALYST,
  APPROVER,
  EXECUTOR,
  CALIBRATOR,
  RISK_LEAD,
  SECURITY_LEAD,
  ADMIN
};
// The wire names of ActorRole, one per value.
inline constexpr EnumName<ActorRole> kRoleNames[] = {
    {ActorRole::PROPOSER, "proposer"},           {ActorRole::ANALYST, "analyst"},
    {ActorRole::APPROVER, "approver"},           {ActorRole::EXECUTOR, "executor"},
    {ActorRole::CALIBRATOR, "calibrator"},       {ActorRole::RISK_LEAD, "risk_lead"},
    {ActorRole::SECURITY_LEAD, "security_lead"}, {ActorRole::ADMIN, "admin"},
};
inline constexpr std::array<ActorRole, 8> kAllRoles = {
    ActorRole::PROPOSER,   ActorRole::ANALYST,   ActorRole::APPROVER,      ActorRole::EXECUTOR,
    ActorRole::CALIBRATOR, ActorRole::RISK_LEAD, ActorRole::SECURITY_LEAD, ActorRole::ADMIN};
std::string_view to_string(ActorRole role) noexcept;
std::optional<ActorRole> parse_role(std::string_view s) noexcept;

// Every permission the system checks.
inline constexpr std::array<std::string_view, 9> kPermissions = {
    "decide",  "propose",   "read_decisions", "analyze",     "approve",
    "execute", "calibrate", "sign_override",  "gate_rollout"};
bool is_permission(std::string_view p) noexcept;

// The default permissions of a role (docs/roles.md); admin holds every permission.
std::set<std::string> default_permissions(ActorRole role);

class RBACEnforcer : public PermissionChecker {
 public:
  // The default role table and no actors.
  RBACEnforcer();

  // Reads the `rbac:` section of a config file: `roles: {role: [permissions]}` replaces those
  // roles' permissions, `actors: {actor_id: role | [roles]}` assigns roles; the default table
  // without the section. Anything else in it (an unknown key, role or permission, a wrong
  // shape) is an InvalidInputError naming the file and the key ("rbac.roles.proposer").
  static Result<RBACEnforcer> parse_yaml(const std::string& text, const std::string& source);
  static Result<RBACEnforcer> load_yaml(const std::filesystem::path& path);
  // The same from the section's node (a ConfigLoader hands it over); an unknown key is
  // "config.unknown_key" with the nearest known key.
  static Result<RBACEnforcer> read_section(const YAML::Node& rbac, const std::string& source);

  // Throws InvalidInputError for an unknown permission.
  void set_role_permissions(ActorRole role, std::set<std::string> permissions);
  // Gives `actor_id` a role (an actor may hold several). Throws for an empty actor_id.
  void assign(std::string actor_id, ActorRole role);

  bool has_permission(std::string_view actor_id, std::string_view permission) const;
  // nullopt when allowed; else a kForbidden error naming the actor and the permission.
  std::optional<Error> check(std::string_view actor_id, std::string_view permission) const override;
  // Throws PermissionDeniedError when not allowed.
  void require(std::string_view actor_id, std::string_view permission) const;

  const std::set<std::string>& permissions(ActorRole role) const;
  std::set<ActorRole> roles_of(std::string_view actor_id) const;

 private:
  std::map<ActorRole, std::set<std::string>> table_;
  std::map<std::string, std::set<ActorRole>, std::less<>> actors_;
};

}  // namespace aegis
