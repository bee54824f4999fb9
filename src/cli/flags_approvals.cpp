// Flags of `aegis approvals`: what approvers see and answer, against a store or a server.
#include <memory>
#include <string>

#include "commands.h"
#include "flags.h"

namespace aegis::cli {

Dispatch add_approval_flags(CLI::App& app) {
  auto f = std::make_shared<ApprovalOptions>();
  auto* approvals = app.add_subcommand(
      "approvals",
      "Approvals bound to the exact action: list, show, approve, deny (docs/approvals.md)");
  approvals->require_subcommand(1);
  // Where the approvals are: a store (--db, with -c for the roles) or a server (--url).
  auto where = [&f](CLI::App* cmd, bool answering) {
    cmd->add_option("--db", f->db, "the store (sqlite:PATH or postgresql://...)");
    cmd->add_option("--url", f->url,
                    "an aegis serve (its API key from AEGIS_API_KEY; the key's actor answers)");
    if (answering) {
      cmd->add_option("-c,--config", f->config, "with --db: the config whose rbac: names roles");
      cmd->add_option("--actor", f->actor, "with --db: who answers (kept in the chain)");
      cmd->add_option("--reason", f->reason, "why (kept in the chain)");
    }
  };
  auto* list = approvals->add_subcommand("list", "The newest approvals (JSON)");
  where(list, false);
  list->add_option("--state", f->state, "pending, approved, denied, expired or consumed");
  list->add_option("--limit", f->limit, "at most this many (1-1000)")->check(CLI::Range(1, 1000));
  auto* show = approvals->add_subcommand("show", "One approval (JSON)");
  where(show, false);
  show->add_option("id", f->id, "the approval's id (apr-...)")->required();
  auto* approve = approvals->add_subcommand("approve", "Approve one held action (recorded)");
  where(approve, true);
  approve->add_option("id", f->id, "the approval's id (apr-...)")->required();
  auto* deny = approvals->add_subcommand("deny", "Deny one held action (recorded)");
  where(deny, true);
  deny->add_option("id", f->id, "the approval's id (apr-...)")->required();
  auto* digest = approvals->add_subcommand(
      "digest", "The digest of an action read from stdin: SHA-256 of its RFC 8785 form");
  digest->add_flag("--canonical", f->canonical,
                   "print each line's RFC 8785 form instead (JSON lines in, lines out)");

  return [=]() -> std::optional<int> {
    if (*list) return run_approvals(*f, "list");
    if (*show) return run_approvals(*f, "show");
    if (*approve) return run_approvals(*f, "approve");
    if (*deny) return run_approvals(*f, "deny");
    if (*digest) return run_approvals_digest(*f);
    return std::nullopt;
  };
}

}  // namespace aegis::cli
