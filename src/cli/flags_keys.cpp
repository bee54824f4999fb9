// Flags of the key commands: custodian keys and two-key overrides (offline), BIP-322 messages,
// X-Wing keys, KEK providers and the decryption of telemetry's sealed fields.
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "flags.h"

namespace aegis::cli {
namespace {

const std::vector<std::string> kProviders = {"auto", "kms", "hsm", "environment", "in_memory"};

struct KeyFlags {
  std::string key_out = "aegis-custodian.key";
  std::string proposal_id, justification, failed_gates, key_path, hash, request;
  std::optional<std::string> override_config, override_id, context_hash;
  int64_t expires_at_ms = 0;
  std::string message, sig;
  std::optional<std::string> pubkey, address;
  std::string kem_out, kem_key_file, kem_public_key, kem_ciphertext, kek_provider = "auto",
                                                                     kek_wrapped, kek_out;
  std::optional<std::string> kem_eseed, kek_input, kek_kem_key;
  std::string telemetry_input = "-";
};

// keygen: a custodian key file.
Dispatch add_keygen_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* keygen = app.add_subcommand("keygen", "Create a custodian key (file mode 0600)");
  keygen->add_option("-o,--output", f->key_out, "key file to create (never overwritten)");

  return [=]() -> std::optional<int> {
    if (*keygen) return run_keygen(f->key_out);
    return std::nullopt;
  };
}

// override hash, sign, verify: two-key overrides, offline.
Dispatch add_override_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* override_cmd = app.add_subcommand("override", "Two-key overrides, offline");
  override_cmd->require_subcommand(1);
  auto* ov_hash = override_cmd->add_subcommand("hash", "The message both custodians sign");
  ov_hash->add_option("--proposal-id", f->proposal_id, "the proposal the override is for")
      ->required();
  ov_hash->add_option("--justification", f->justification, "why, as the requester wrote it")
      ->required();
  ov_hash->add_option("--failed-gates", f->failed_gates, "comma-separated, e.g. risk,novelty")
      ->required();
  auto* ov_id = ov_hash->add_option(
      "--override-id", f->override_id,
      "a stored override's id: print the message of that override alone (with --expires-at-ms)");
  ov_hash->add_option("--expires-at-ms", f->expires_at_ms, "the stored override's expires_at_ms")
      ->needs(ov_id);
  ov_hash
      ->add_option("--context-hash", f->context_hash,
                   "the stored override's binding.context_hash (omit when empty)")
      ->needs(ov_id);
  ov_id->needs("--expires-at-ms");
  auto* ov_sign = override_cmd->add_subcommand("sign", "Sign an override hash with a key file");
  ov_sign->add_option("--key", f->key_path, "the custodian's key file (aegis keygen)")->required();
  ov_sign->add_option("--hash", f->hash, "the override's message_hash, 64 hex digits")->required();
  auto* ov_verify = override_cmd->add_subcommand(
      "verify", "Verify an override request with both signatures (exit 0 approved, 1 not)");
  ov_verify->add_option("request", f->request, "override request JSON file")->required();
  ov_verify->add_option("-c,--config", f->override_config, "config whose custodians: are trusted");

  return [=]() -> std::optional<int> {
    if (*ov_hash) {
      std::optional<OverrideBinding> binding;
      if (f->override_id) binding = OverrideBinding{*f->override_id, f->context_hash.value_or("")};
      return run_override_hash(f->proposal_id, f->justification, f->failed_gates, binding,
                               f->expires_at_ms);
    }
    if (*ov_sign) return run_override_sign(f->key_path, f->hash);
    if (*ov_verify) return run_override_verify(f->request, f->override_config);
    return std::nullopt;
  };
}

// signature sign, verify: plain BIP-322 messages.
Dispatch add_signature_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* signature_cmd = app.add_subcommand("signature", "Plain BIP-322 messages (P2TR)");
  signature_cmd->require_subcommand(1);
  auto* sig_sign = signature_cmd->add_subcommand("sign", "Sign a message");
  sig_sign->add_option("--message", f->message, "the message to sign, as text")->required();
  sig_sign->add_option("--key", f->key_path, "the key file (aegis keygen)")->required();
  auto* sig_verify = signature_cmd->add_subcommand("verify", "Verify a message signature");
  sig_verify->add_option("--message", f->message, "the signed message, as text")->required();
  sig_verify->add_option("--pubkey", f->pubkey, "x-only internal key, 64 hex digits");
  sig_verify->add_option("--address", f->address, "P2TR address");
  sig_verify->add_option("--signature", f->sig, "the BIP-322 simple signature, base64")->required();

  return [=]() -> std::optional<int> {
    if (*sig_sign) return run_signature_sign(f->key_path, f->message);
    if (*sig_verify) return run_signature_verify(f->message, f->pubkey, f->address, f->sig);
    return std::nullopt;
  };
}

// kem keygen, public-key, encapsulate, decapsulate: X-Wing keys.
Dispatch add_kem_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* kem = app.add_subcommand("kem", "X-Wing (ML-KEM-768 + X25519) keys, for tests and setup");
  kem->require_subcommand(1);
  auto* kem_keygen = kem->add_subcommand("keygen", "Create an X-Wing private key file (mode 0600)");
  kem_keygen->add_option("-o,--output", f->kem_out, "key file to create (never overwritten)")
      ->required();
  auto* kem_pub = kem->add_subcommand("public-key", "The public key of a key file");
  kem_pub
      ->add_option("--key-file", f->kem_key_file, "an X-Wing private key file (aegis kem keygen)")
      ->required();
  auto* kem_encap =
      kem->add_subcommand("encapsulate", "A ciphertext and shared secret for a public key");
  kem_encap->add_option("--public-key", f->kem_public_key, "base64, 1216 bytes")->required();
  kem_encap->add_option("--eseed-hex", f->kem_eseed, "64 bytes of given randomness (test vectors)");
  auto* kem_decap = kem->add_subcommand("decapsulate", "The shared secret of a ciphertext");
  kem_decap
      ->add_option("--key-file", f->kem_key_file, "an X-Wing private key file (aegis kem keygen)")
      ->required();
  kem_decap->add_option("--ciphertext", f->kem_ciphertext, "base64, 1120 bytes")->required();

  return [=]() -> std::optional<int> {
    if (*kem_keygen) return run_kem_keygen(f->kem_out);
    if (*kem_pub) return run_kem_public_key(f->kem_key_file);
    if (*kem_encap) return run_kem_encapsulate(f->kem_public_key, f->kem_eseed);
    if (*kem_decap) return run_kem_decapsulate(f->kem_key_file, f->kem_ciphertext);
    return std::nullopt;
  };
}

// kek status, wrap, unwrap, provision: key-encryption-key providers.
Dispatch add_kek_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* kek = app.add_subcommand("kek", "Key-encryption-key providers (KMS, HSM, environment)");
  kek->require_subcommand(1);
  auto* kek_status_cmd = kek->add_subcommand("status", "Per provider: configured, working, key id");
  auto* kek_wrap = kek->add_subcommand("wrap", "Wrap bytes under a provider's KEK");
  kek_wrap
      ->add_option("--provider", f->kek_provider,
                   "auto (default), kms, hsm, environment, in_memory")
      ->check(CLI::IsMember(kProviders));
  kek_wrap->add_option("-i,--input", f->kek_input, "file of bytes to wrap (- for stdin)");
  kek_wrap->add_option("--kem-key-file", f->kek_kem_key, "an X-Wing key file to wrap");
  auto* kek_unwrap = kek->add_subcommand("unwrap", "Unwrap a blob with a provider's KEK");
  kek_unwrap
      ->add_option("--provider", f->kek_provider,
                   "auto (default), kms, hsm, environment, in_memory")
      ->check(CLI::IsMember(kProviders));
  kek_unwrap->add_option("--wrapped", f->kek_wrapped, "base64")->required();
  auto* kek_provision = kek->add_subcommand(
      "provision", "A new X-Wing key wrapped by the provider; writes the environment lines");
  kek_provision->add_option("--provider", f->kek_provider, "kms, hsm or environment")
      ->check(CLI::IsMember(kProviders))
      ->required();
  kek_provision->add_option("-o,--output", f->kek_out, "file for the environment lines (mode 0600)")
      ->required();

  return [=]() -> std::optional<int> {
    if (*kek_status_cmd) return run_kek_status();
    if (*kek_wrap) return run_kek_wrap(f->kek_provider, f->kek_input, f->kek_kem_key);
    if (*kek_unwrap) return run_kek_unwrap(f->kek_provider, f->kek_wrapped);
    if (*kek_provision) return run_kek_provision(f->kek_provider, f->kek_out);
    return std::nullopt;
  };
}

// telemetry decrypt: telemetry events' sealed fields.
Dispatch add_telemetry_flags(CLI::App& app, const std::shared_ptr<KeyFlags>& f) {
  auto* telemetry = app.add_subcommand("telemetry", "Telemetry events");
  telemetry->require_subcommand(1);
  auto* tel_decrypt = telemetry->add_subcommand(
      "decrypt", "Restore the encrypted personal fields (the provider's private key)");
  tel_decrypt->add_option("-i,--input", f->telemetry_input,
                          "events: a JSON array, object or lines");
  tel_decrypt
      ->add_option("--provider", f->kek_provider,
                   "auto (default), kms, hsm, environment, in_memory")
      ->check(CLI::IsMember(kProviders));

  return [=]() -> std::optional<int> {
    if (*tel_decrypt) return run_telemetry_decrypt(f->kek_provider, f->telemetry_input);
    return std::nullopt;
  };
}

}  // namespace

Dispatch add_key_flags(CLI::App& app) {
  // One KeyFlags, shared by every family's dispatch, holds the values the options are bound to.
  auto f = std::make_shared<KeyFlags>();
  // Registered in this order (the help's); a braced list is evaluated left to right.
  const std::vector<Dispatch> families = {add_keygen_flags(app, f),    add_override_flags(app, f),
                                          add_signature_flags(app, f), add_kem_flags(app, f),
                                          add_kek_flags(app, f),       add_telemetry_flags(app, f)};
  return [families]() -> std::optional<int> {
    for (const auto& family : families)
      if (auto code = family()) return code;
    return std::nullopt;
  };
}

}  // namespace aegis::cli
