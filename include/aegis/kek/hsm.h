// The PKCS#11 HSM provider: a wrapping key on a token (SoftHSM2 in the tests), reached through
// the PKCS#11 library named at run time (dlopen). Bytes are wrapped with CKM_AES_KEY_WRAP_KWP
// (0x210B) when the token lists it, else CKM_AES_KEY_WRAP_PAD (0x210A) — which SoftHSM2 2.6
// implements as RFC 5649 output over its input zero-padded to a multiple of 8, so with it only
// multiples of 8 are accepted. Nothing touches the token until first use. Thread-safe: a pool
// of sessions, each used by one thread at a time.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "aegis/kek/kek.h"

namespace aegis {

struct HsmSettings {
  std::string pkcs11_lib;          // AEGIS_HSM_PKCS11_LIB: path of the PKCS#11 module
  std::string token_label;         // AEGIS_HSM_TOKEN_LABEL
  std::string pin;                 // AEGIS_HSM_PIN (user PIN; secret)
  std::string wrapping_key_label;  // AEGIS_HSM_WRAPPING_KEY_LABEL: an AES key on the token
  std::optional<KekBytes> wrapped_private_key;  // AEGIS_HSM_WRAPPED_PRIVATE_KEY
  std::optional<KekBytes> public_key_bytes;     // AEGIS_MASTER_KEK_PUBLIC
  size_t pool_size = 4;
};

class HSMKEKProvider : public KEKProvider {
 public:
  // Invalid input when the public key is not 1216 bytes; the token is not contacted.
  static Result<std::unique_ptr<HSMKEKProvider>> create(HsmSettings settings);
  // From the AEGIS_HSM_* variables and AEGIS_MASTER_KEK_PUBLIC.
  static Result<std::unique_ptr<HSMKEKProvider>> from_environment();
  ~HSMKEKProvider() override;

  KekBytes wrap(std::span<const uint8_t> plaintext) override;
  KekBytes unwrap(std::span<const uint8_t> wrapped) override;
  KEKMetadata metadata() const override;
  std::vector<std::string> missing() const override;

  struct Token;  // the library, the login and the session pool, opened on first use

 private:
  explicit HSMKEKProvider(HsmSettings settings);
  Token& token();
  HsmSettings settings_;
  std::unique_ptr<Token> token_;             // opened under a lock on first use
  std::atomic<unsigned long> mechanism_{0};  // the token's wrap mechanism, once known
};

}  // namespace aegis
