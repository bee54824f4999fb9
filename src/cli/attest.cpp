// `aegis attest keygen|export|verify` and `aegis audit checkpoint` / `audit verify --checkpoint`:
// flags in, the attestation and checkpoint functions of the store layer out.
#include <cstdio>

#include "aegis/core/json.h"
#include "aegis/crypto/keyfile.h"
#include "aegis/store/attestation.h"
#include "aegis/store/audit_checkpoint.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

int print_line(const std::string& text) {
  return write_all(stdout, text + "\n") && std::fflush(stdout) == 0 ? kExitProceed : kExitInternal;
}

Result<crypto::Ed25519PublicKey> public_key_flag(const std::string& text) {
  const auto key = parse_ed25519_public_key(text);
  if (!key)
    return Error(errors::kCliPublicKey, "public_key",
                 "--public-key must be a 32-byte Ed25519 key in base64 (what "
                 "`aegis attest keygen` printed)");
  return *key;
}

}  // namespace

int run_attest_keygen(const std::string& output) {
  try {
    const crypto::Ed25519Key key = crypto::Ed25519Key::generate();
    auto written = crypto::write_ed25519_key_file(output, key);
    if (!written) return report_error(written.error());
    return print_line(
        nlohmann::json{{"public_key", ed25519_public_key_text(key.public_key())}}.dump());
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

int run_attest_export(const std::string& db, const std::string& decision_id,
                      const std::string& key_path) {
  auto key = crypto::read_ed25519_key_file(key_path);
  if (!key) return report_error(key.error());
  try {
    const auto store = Store::open(db, Store::OpenMode::kExisting);
    const auto entry = store->decision_entry(decision_id);
    if (!entry)
      return report_error(Error{errors::kCliNotFound, "decision", "no decision " + decision_id});
    return print_line(attest_decision(*entry, key.value()));
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

int run_attest_verify(const std::string& path, const std::string& public_key) {
  const auto key = public_key_flag(public_key);
  if (!key) return report_error(key.error());
  auto text = read_input(path, kMaxJsonBytes);
  if (!text) return report_error(text.error());
  const AttestationCheck check = verify_attestation(text.value(), key.value());
  nlohmann::json out = {{"valid", check.valid}};
  if (check.valid) {
    out["decision_id"] = check.statement["subject"][0]["name"];
    out["sha256"] = check.statement["subject"][0]["digest"]["sha256"];
    out["predicate"] = check.statement.value("predicate", nlohmann::json());
  } else {
    out["problem"] = check.problem;
  }
  if (print_line(out.dump()) != kExitProceed) return kExitInternal;
  return check.valid ? kExitProceed : kExitHalt;
}

int run_audit_checkpoint(const std::string& db, const std::string& key_path) {
  auto key = crypto::read_ed25519_key_file(key_path);
  if (!key) return report_error(key.error());
  try {
    const auto store = Store::open(db, Store::OpenMode::kExisting);
    return print_line(checkpoint_to_json(sign_checkpoint(store->head(), key.value())));
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

int run_audit_verify_checkpoint(const std::string& db, const std::string& checkpoint_path,
                                const std::optional<std::string>& public_key) {
  std::optional<crypto::Ed25519PublicKey> trusted;
  if (public_key) {
    const auto key = public_key_flag(*public_key);
    if (!key) return report_error(key.error());
    trusted = key.value();
  }
  auto text = read_input(checkpoint_path, kMaxJsonBytes);
  if (!text) return report_error(text.error());
  auto checkpoint = checkpoint_from_json(text.value());
  if (!checkpoint) return report_error(checkpoint.error());
  try {
    const auto store = Store::open(db, Store::OpenMode::kExisting);
    const CheckpointVerification v = verify_checkpoint(*store, checkpoint.value(), trusted);
    nlohmann::json out = {{"holds", v.holds},
                          {"checkpoint_entries", checkpoint.value().entries},
                          {"entries", v.chain.entries},
                          {"head_hash", v.chain.head_hash},
                          {"signed_by", ed25519_public_key_text(checkpoint.value().public_key)}};
    if (!v.holds) out["problem"] = v.problem;
    if (!trusted) out["note"] = "signer not pinned: pass --public-key to require a known key";
    if (print_line(out.dump()) != kExitProceed) return kExitInternal;
    return v.holds ? kExitProceed : kExitHalt;
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

}  // namespace aegis::cli
