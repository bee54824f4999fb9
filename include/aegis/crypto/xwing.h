// X-Wing, the hybrid KEM of draft-connolly-cfrg-xwing-kem-10: ML-KEM-768 (mlkem768.h) and
// X25519 (OpenSSL), combined as SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ "\./" "/^\"). The private
// key is a 32-byte seed that SHAKE256 expands into both halves. Secrets are wiped after use and
// handled in constant time. Pure functions: thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace aegis::crypto::xwing {

inline constexpr size_t kPrivateKeySize = 32;
inline constexpr size_t kPublicKeySize = 1216;
inline constexpr size_t kCiphertextSize = 1120;
inline constexpr size_t kSharedSecretSize = 32;
inline constexpr size_t kEncapsulationSeedSize = 64;

using PrivateKey = std::array<uint8_t, kPrivateKeySize>;  // secret: wipe after use
using PublicKey = std::array<uint8_t, kPublicKeySize>;
using Ciphertext = std::array<uint8_t, kCiphertextSize>;
using SharedSecret = std::array<uint8_t, kSharedSecretSize>;  // secret: wipe after use

// A new private key from the OS CSPRNG (OpenSSL RAND_priv_bytes).
PrivateKey generate_private_key();
// The public key of a private key: ML-KEM-768's encapsulation key ‖ X25519's public key.
PublicKey public_key(const PrivateKey& sk);

struct Encapsulation {
  Ciphertext ciphertext;
  SharedSecret shared_secret;
};
// Encapsulates to `pk` with 64 bytes of randomness (`eseed`: given for test vectors, else from
// the CSPRNG). nullopt when `pk`'s ML-KEM half fails the FIPS 203 encapsulation key check.
std::optional<Encapsulation> encapsulate(const PublicKey& pk);
std::optional<Encapsulation> encapsulate(const PublicKey& pk, const uint8_t eseed[64]);

// The shared secret of a ciphertext. Never fails: a forged ML-KEM half is implicitly rejected
// (a pseudorandom secret), and an X25519 half of low order contributes the all-zero value
// X25519 defines for it.
SharedSecret decapsulate(const PrivateKey& sk, const Ciphertext& ct);

}  // namespace aegis::crypto::xwing
