// BIP-340 Schnorr signatures on secp256k1 (libsecp256k1), tagged hashes, and the BIP-341
// key-path tweak. Thread-safe: a single read-only, randomized context serves all calls.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/crypto/encoding.h"

namespace aegis::crypto {

using Hash32 = std::array<uint8_t, 32>;
using XOnlyKey = std::array<uint8_t, 32>;
using Signature64 = std::array<uint8_t, 64>;

// SHA256(SHA256(tag) ‖ SHA256(tag) ‖ data) (BIP-340).
Hash32 tagged_hash(std::string_view tag, const uint8_t* data, size_t size);
Hash32 sha256(const uint8_t* data, size_t size);

// A 32-byte secret key. Wiped (OPENSSL_cleanse) when destroyed; never printed or logged.
class SecretKey {
 public:
  // From the OS CSPRNG (OpenSSL RAND_priv_bytes), retried until valid for secp256k1.
  static SecretKey generate();
  // nullopt when the bytes are not a valid secret key (0 or ≥ the group order).
  static std::optional<SecretKey> from_bytes(const uint8_t* data, size_t size);
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);

  const uint8_t* data() const noexcept { return bytes_.data(); }
  // The x-only public key (BIP-340).
  XOnlyKey public_key() const;

 private:
  SecretKey() = default;
  std::array<uint8_t, 32> bytes_{};
};

// True when `key` is the x coordinate of a curve point (a valid BIP-340 public key).
bool is_valid_public_key(const XOnlyKey& key);

// BIP-340 signature of a message of any length with the given aux randomness (32 bytes).
Signature64 schnorr_sign(const SecretKey& key, const uint8_t* msg, size_t msg_size,
                         const Hash32& aux_rand);
// Same, with fresh aux randomness from the OS CSPRNG.
Signature64 schnorr_sign(const SecretKey& key, const uint8_t* msg, size_t msg_size);
bool schnorr_verify(const XOnlyKey& key, const Signature64& sig, const uint8_t* msg,
                    size_t msg_size);

// A public key parsed once (the parse costs a field square root), for keys verified often such
// as registered custodians'. A plain value: copy freely.
class VerifyKey {
 public:
  // nullopt when `key` is not on the curve.
  static std::optional<VerifyKey> parse(const XOnlyKey& key);
  const XOnlyKey& bytes() const noexcept { return bytes_; }
  bool verify(const Signature64& sig, const uint8_t* msg, size_t msg_size) const;

 private:
  XOnlyKey bytes_{};
  std::array<uint8_t, 64> parsed_{};  // secp256k1_xonly_pubkey, which the library lets us copy
};

// BIP-341 key-path output key Q = P + H_TapTweak(P)·G (no script tree); nullopt for an invalid P.
std::optional<XOnlyKey> taproot_output_key(const XOnlyKey& internal_key);
// Signs `msg32` with the tweaked secret key matching taproot_output_key(key.public_key()).
Signature64 taproot_sign(const SecretKey& key, const Hash32& msg32);

}  // namespace aegis::crypto
