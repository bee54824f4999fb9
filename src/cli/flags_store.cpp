// Flags of the commands that read a store: the audit chain, attestations, metrics.
#include <memory>
#include <string>

#include "commands.h"
#include "flags.h"

namespace aegis::cli {
namespace {

struct StoreFlags {
  std::string audit_db, audit_key, audit_checkpoint_file;
  std::optional<std::string> audit_public_key;
  std::string attest_out, attest_db, attest_decision, attest_key, attest_file, attest_public_key;
  std::optional<std::string> metrics_db;
};

}  // namespace

Dispatch add_store_flags(CLI::App& app) {
  auto f = std::make_shared<StoreFlags>();
  auto* audit = app.add_subcommand("audit", "The tamper-evident audit chain");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify", "Re-walk the chain (exit 0 intact, 1 broken); with --checkpoint, also prove it "
                "still holds that signed head");
  audit_verify->add_option("--db", f->audit_db, "sqlite:PATH or postgresql://...")->required();
  auto* audit_verify_cp = audit_verify->add_option("--checkpoint", f->audit_checkpoint_file,
                                                   "a checkpoint from `aegis audit checkpoint`");
  audit_verify->add_option("--public-key", f->audit_public_key,
                           "the signer's Ed25519 key (base64) the checkpoint must be signed by")
      ->needs(audit_verify_cp);
  auto* audit_export = audit->add_subcommand("export", "Write the entries as JSON lines");
  audit_export->add_option("--db", f->audit_db, "sqlite:PATH")->required();
  auto* audit_cp = audit->add_subcommand(
      "checkpoint", "Sign the chain's head now: {entries, head_hash, time, public_key, signature}");
  audit_cp->add_option("--db", f->audit_db, "sqlite:PATH or postgresql://...")->required();
  audit_cp->add_option("--key", f->audit_key, "Ed25519 key file (aegis attest keygen)")->required();

  auto* attest = app.add_subcommand("attest", "Signed attestations of stored decisions (in-toto "
                                              "Statement v1 in a DSSE envelope, Ed25519)");
  attest->require_subcommand(1);
  auto* attest_keygen =
      attest->add_subcommand("keygen", "Create an Ed25519 attestation key file (mode 0600)");
  attest_keygen->add_option("-o,--output", f->attest_out, "key file to create (never overwritten)")
      ->required();
  auto* attest_export =
      attest->add_subcommand("export", "A stored decision's signed DSSE envelope, on stdout");
  attest_export->add_option("--db", f->attest_db, "sqlite:PATH or postgresql://...")->required();
  attest_export->add_option("--decision", f->attest_decision, "decision id")->required();
  attest_export->add_option("--key", f->attest_key, "Ed25519 key file")->required();
  auto* attest_verify =
      attest->add_subcommand("verify", "Check an envelope offline (exit 0 valid, 1 not)");
  attest_verify->add_option("file", f->attest_file, "envelope JSON (- for stdin)")->required();
  attest_verify->add_option("--public-key", f->attest_public_key, "Ed25519 key, base64")
      ->required();

  auto* metrics = app.add_subcommand("metrics", "Prometheus text (replaying --db's decisions)");
  metrics->add_option("--db", f->metrics_db, "sqlite:PATH or postgresql://...");

  return [=]() -> std::optional<int> {
    if (*audit_verify)
      return *audit_verify_cp ? run_audit_verify_checkpoint(f->audit_db, f->audit_checkpoint_file,
                                                            f->audit_public_key)
                              : run_audit_verify(f->audit_db);
    if (*audit_export) return run_audit_export(f->audit_db);
    if (*audit_cp) return run_audit_checkpoint(f->audit_db, f->audit_key);
    if (*attest_keygen) return run_attest_keygen(f->attest_out);
    if (*attest_export) return run_attest_export(f->attest_db, f->attest_decision, f->attest_key);
    if (*attest_verify) return run_attest_verify(f->attest_file, f->attest_public_key);
    if (*metrics) return run_metrics(f->metrics_db);
    return std::nullopt;
  };
}

}  // namespace aegis::cli
