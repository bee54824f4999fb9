// Ed25519 (RFC 8032, OpenSSL) for attestations and audit checkpoints. An Ed25519Key holds its
// private key in OpenSSL and wipes its seed; it is immutable after construction and may be used
// from several threads at once. Verification is a pure function.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "aegis/core/error.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace aegis::crypto {

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;

class Ed25519Key {
 public:
  // A new random key; its 32-byte seed is what a key file keeps (seed()).
  static Ed25519Key generate();
  // The key of a 32-byte seed. InternalError when OpenSSL refuses it.
  explicit Ed25519Key(std::span<const uint8_t, 32> seed);
  ~Ed25519Key();
  Ed25519Key(Ed25519Key&& other) noexcept;
  Ed25519Key& operator=(Ed25519Key&&) = delete;
  Ed25519Key(const Ed25519Key&) = delete;

  const Ed25519PublicKey& public_key() const noexcept { return public_key_; }
  // The seed, for writing a key file: the caller wipes its copy.
  std::array<uint8_t, 32> seed() const;
  Ed25519Signature sign(std::span<const uint8_t> message) const;

 private:
  EVP_PKEY* key_ = nullptr;
  Ed25519PublicKey public_key_{};
};

// True iff `signature` is `public_key`'s signature of `message`.
bool ed25519_verify(const Ed25519PublicKey& public_key, std::span<const uint8_t> message,
                    const Ed25519Signature& signature) noexcept;

}  // namespace aegis::crypto
