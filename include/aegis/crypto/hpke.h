// HPKE (RFC 9180) in base mode for one suite: KEM X-Wing (0x647A), KDF HKDF-SHA256 (0x0001),
// AEAD AES-256-GCM (0x0002) — so any HPKE library with X-Wing interoperates. Contexts hold
// their keys and wipe them when destroyed; a context is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "aegis/crypto/xwing.h"

namespace aegis::crypto::hpke {

using Bytes = std::vector<uint8_t>;
using View = std::span<const uint8_t>;

struct KeySchedule {  // secret: wiped by the contexts that hold it
  std::array<uint8_t, 32> key;
  std::array<uint8_t, 12> base_nonce;
  std::array<uint8_t, 32> exporter_secret;
};

// The sender's side: one encapsulation, then any number of seals and exports.
class SenderContext {
 public:
  // SetupBaseS(pkR, info). `eseed` (64 bytes) fixes the encapsulation's randomness, for tests;
  // without it, the CSPRNG's. nullopt when the public key fails X-Wing's encapsulation check.
  static std::optional<SenderContext> setup(const xwing::PublicKey& recipient, View info,
                                            const uint8_t* eseed = nullptr);
  ~SenderContext();
  SenderContext(SenderContext&&) noexcept;
  SenderContext& operator=(SenderContext&&) noexcept;

  const xwing::Ciphertext& enc() const noexcept { return enc_; }  // for the recipient
  // ct = AES-256-GCM(key, base_nonce ⊕ seq, aad, pt) with the 16-byte tag appended.
  Bytes seal(View aad, View plaintext);
  // Export(exporter_context, length): a secret of up to 255·32 bytes.
  Bytes export_secret(View exporter_context, size_t length) const;

 private:
  SenderContext() = default;
  xwing::Ciphertext enc_{};
  KeySchedule ks_{};
  uint64_t seq_ = 0;
};

// The recipient's side of one encapsulation.
class RecipientContext {
 public:
  // SetupBaseR(enc, skR, info). Never fails: a forged `enc` yields a context whose opens fail.
  static RecipientContext setup(const xwing::PrivateKey& recipient, const xwing::Ciphertext& enc,
                                View info);
  ~RecipientContext();
  RecipientContext(RecipientContext&&) noexcept;
  RecipientContext& operator=(RecipientContext&&) noexcept;

  // The plaintext, or nullopt when the ciphertext or its tag does not verify.
  std::optional<Bytes> open(View aad, View ciphertext);
  Bytes export_secret(View exporter_context, size_t length) const;

 private:
  RecipientContext() = default;
  KeySchedule ks_{};
  uint64_t seq_ = 0;
};

// Single-shot encryption (RFC 9180 §6.1): the encapsulation and the ciphertext.
struct Sealed {
  xwing::Ciphertext enc;
  Bytes ct;
};
std::optional<Sealed> seal(const xwing::PublicKey& recipient, View info, View aad, View plaintext);
std::optional<Bytes> open(const xwing::PrivateKey& recipient, const xwing::Ciphertext& enc,
                          View info, View aad, View ciphertext);

// AES-256-GCM on its own (the telemetry events are sealed with it under an exported key): ct
// with the 16-byte tag appended; open returns nullopt when the tag does not verify.
Bytes aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], View aad, View plaintext);
std::optional<Bytes> aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], View aad,
                                    View ciphertext);

}  // namespace aegis::crypto::hpke
