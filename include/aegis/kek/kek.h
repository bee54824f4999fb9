// Key-encryption-key providers (docs/keys.md): a KEK that wraps and unwraps bytes, and the X-Wing
// (HybridKEM) key pair it protects — the public key from AEGIS_MASTER_KEK_PUBLIC (or a
// constructor argument), the private key kept only as a blob wrapped by the provider and
// unwrapped on demand. Providers: in memory, environment, PKCS#11 HSM, AWS KMS.
//
// A provider is *configured* when every setting it needs is present (missing() is empty) and
// *working* when a wrap/unwrap round trip succeeds (self_test()); neither is checked when the
// provider is made, only when asked or first used. No secret (KEK, PIN, secret access key,
// private key) is ever in an error message or a log line.
//
// Thread safety: every provider may be used from several threads at once.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/crypto/xwing.h"

namespace aegis {

using KekBytes = std::vector<uint8_t>;

struct KEKMetadata {
  std::string provider_type;  // "in_memory", "environment", "hsm", "kms"
  std::string key_id;         // which KEK: a token label and key label, a KMS key id, ...
  std::string algorithm;      // e.g. "AES-256-KWP (RFC 5649)"
};

// The error of a provider used without its configuration: InvalidInputError
// "kek.not_configured", the first missing setting as the field and every one in the message —
// the caller's to fix (exit 3 on the command line).
Error kek_not_configured(std::string_view provider, const std::vector<std::string>& missing);

class KEKProvider {
 public:
  virtual ~KEKProvider() = default;

  // Wraps `plaintext` under the KEK; unwrap() reverses it. AegisError (InternalError with a
  // "kek.*" code naming the cause) when the provider is not configured, the KEK refuses, or
  // a wrapped blob fails its integrity check.
  virtual KekBytes wrap(std::span<const uint8_t> plaintext) = 0;
  virtual KekBytes unwrap(std::span<const uint8_t> wrapped) = 0;
  virtual KEKMetadata metadata() const = 0;
  // The settings still missing, by name (environment variable or argument); empty when
  // configured.
  virtual std::vector<std::string> missing() const = 0;

  bool configured() const { return missing().empty(); }
  // A wrap/unwrap round trip of random bytes: nullopt when working, else why not.
  std::optional<Error> self_test();

  bool holds_private_key() const { return !wrapped_private_key_.empty(); }
  // The X-Wing public key, when one is configured.
  const std::optional<crypto::xwing::PublicKey>& public_key() const { return public_key_; }
  // The X-Wing private key, unwrapped from the provider's wrapped blob (wipe it after use).
  // AegisError "kek.no_private_key" when the provider holds none.
  crypto::xwing::PrivateKey private_key();

 protected:
  // Reads AEGIS_MASTER_KEK_PUBLIC style base64 (or raw) public-key bytes; the error names
  // `field`.
  static Result<crypto::xwing::PublicKey> parse_public_key(std::span<const uint8_t> bytes,
                                                           std::string_view field);
  std::optional<crypto::xwing::PublicKey> public_key_;
  KekBytes wrapped_private_key_;            // empty: this provider holds no private key
  std::string wrapped_private_key_source_;  // the variable or argument it came from
};

// A random AES-256 KEK that lives as long as the object (RFC 5649 wrap with padding). It holds
// a private key only when given one.
class InMemoryKEKProvider : public KEKProvider {
 public:
  InMemoryKEKProvider();
  // With an X-Wing private key: it is wrapped under the new KEK at once.
  explicit InMemoryKEKProvider(const crypto::xwing::PrivateKey& private_key);
  ~InMemoryKEKProvider() override;
  KekBytes wrap(std::span<const uint8_t> plaintext) override;
  KekBytes unwrap(std::span<const uint8_t> wrapped) override;
  KEKMetadata metadata() const override;
  std::vector<std::string> missing() const override { return {}; }

 private:
  uint8_t kek_[32];
};

// The KEK from AEGIS_MASTER_KEK (base64, 32 bytes), the wrapped private key from
// AEGIS_WRAPPED_PRIVATE_KEY (base64), the public key from AEGIS_MASTER_KEK_PUBLIC (base64).
class EnvironmentKEKProvider : public KEKProvider {
 public:
  // Reads the variables now; a malformed one is an error naming it (not its value).
  static Result<std::unique_ptr<EnvironmentKEKProvider>> from_environment();
  ~EnvironmentKEKProvider() override;
  KekBytes wrap(std::span<const uint8_t> plaintext) override;
  KekBytes unwrap(std::span<const uint8_t> wrapped) override;
  KEKMetadata metadata() const override;
  std::vector<std::string> missing() const override;

 private:
  EnvironmentKEKProvider() = default;
  bool has_kek_ = false;
  uint8_t kek_[32] = {};
  std::string key_id_;  // the first 8 bytes of SHA-256 of the KEK, hex: names it, reveals nothing
};

// RFC 5649 (AES key wrap with padding) under a 32-byte key, through OpenSSL.
KekBytes aes_kwp_wrap(const uint8_t key[32], std::span<const uint8_t> plaintext);
// nullopt when the integrity check fails.
std::optional<KekBytes> aes_kwp_unwrap(const uint8_t key[32], std::span<const uint8_t> wrapped);

// The provider of `type`: "auto" (the first configured of kms → hsm → environment → in_memory),
// or one of those names; a forced type that is not configured is an error naming what is
// missing. Nothing is contacted here.
Result<std::unique_ptr<KEKProvider>> get_kek_provider(std::string_view type);

// What `aegis kek status` and aegis_crypto_status report, per provider type in the order kms,
// hsm, environment, in_memory: configured (what is missing), and — only when configured — the
// result of its self-test. Nothing secret.
struct KekProviderStatus {
  std::string type;
  std::vector<std::string> missing;  // empty: configured
  std::optional<bool> working;       // nullopt when not configured (not tried)
  std::optional<Error> error;        // why it is not working, or why it could not be made
  std::optional<KEKMetadata> metadata;
  bool holds_private_key = false;
};
std::vector<KekProviderStatus> kek_status();
// kek_status() and the availability flags as JSON (what `aegis kek status` prints and the MCP
// tool aegis_crypto_status reports): {"providers": [...], "KMS_KEK_AVAILABLE": ..., ...}.
nlohmann::json kek_status_json();

// A new X-Wing key pair whose private key is wrapped by `provider` (and checked to unwrap
// again); the private key itself is wiped before returning.
struct ProvisionedKey {
  crypto::xwing::PublicKey public_key;
  KekBytes wrapped_private_key;
  std::string wrapped_variable;  // where the blob goes: AEGIS_..._WRAPPED_PRIVATE_KEY
  KEKMetadata metadata;
};
Result<ProvisionedKey> provision_hybrid_key(KEKProvider& provider);
// Writes the key's environment lines ("export VAR=base64", the wrapped private key and
// AEGIS_MASTER_KEK_PUBLIC) to a new file of mode 0600, fsynced; an existing file is never
// overwritten (the blob is useless without the KEK, but it is the private key's only copy).
// Error codes "kek.env_file" (cannot create), "kek.env_file_write".
std::optional<Error> write_environment_file(const ProvisionedKey& key, const std::string& path);
// The variable holding the wrapped private key for a provider type ("" for in_memory).
std::string wrapped_key_variable(std::string_view provider_type);

// Support built into this binary (no network or token access): the reference's flags.
inline constexpr bool kKmsKekAvailable = true;
inline constexpr bool kHsmKekAvailable = true;
inline constexpr bool kHybridKemAvailable = true;

}  // namespace aegis
