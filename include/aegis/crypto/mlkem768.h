// ML-KEM-768 (FIPS 203), written in the project on OpenSSL's SHA3 and SHAKE: the internal
// (deterministic) key generation, encapsulation and decapsulation, and the input checks of
// FIPS 203 §7. Secret-independent in time: no branch and no table index depends on a secret
// (checked under valgrind, see docs/DECISIONS.md), comparisons and the implicit-rejection
// select are constant-time, and every secret intermediate is wiped before returning. Pure
// functions: thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace aegis::crypto::mlkem768 {

inline constexpr size_t kEncapsulationKeySize = 1184;
inline constexpr size_t kDecapsulationKeySize = 2400;
inline constexpr size_t kCiphertextSize = 1088;
inline constexpr size_t kSharedSecretSize = 32;

using EncapsulationKey = std::array<uint8_t, kEncapsulationKeySize>;
using DecapsulationKey = std::array<uint8_t, kDecapsulationKeySize>;  // secret: wipe after use
using Ciphertext = std::array<uint8_t, kCiphertextSize>;
using SharedSecret = std::array<uint8_t, kSharedSecretSize>;  // secret: wipe after use

// ML-KEM.KeyGen_internal(d, z) (Algorithm 16): the key pair of the 32-byte seeds d and z.
void keygen(const uint8_t d[32], const uint8_t z[32], EncapsulationKey* ek, DecapsulationKey* dk);

// The encapsulation key check (FIPS 203 §7.2): the right length and every coefficient below q.
bool check_encapsulation_key(const uint8_t* ek, size_t size);
// The decapsulation key check (FIPS 203 §7.3): the stored hash is H of the stored encapsulation
// key.
bool check_decapsulation_key(const DecapsulationKey& dk);

// ML-KEM.Encaps_internal(ek, m) (Algorithm 17) with the 32 bytes of randomness `m`. False (and
// nothing written) when `ek` fails the encapsulation key check.
bool encapsulate(const EncapsulationKey& ek, const uint8_t m[32], Ciphertext* c, SharedSecret* k);

// ML-KEM.Decaps_internal(dk, c) (Algorithm 18), implicit rejection: a ciphertext that does not
// re-encrypt to itself yields J(z ‖ c), chosen in constant time. `dk` is trusted (run
// check_decapsulation_key on one from outside).
void decapsulate(const DecapsulationKey& dk, const Ciphertext& c, SharedSecret* k);

}  // namespace aegis::crypto::mlkem768
