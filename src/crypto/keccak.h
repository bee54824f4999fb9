// Internal: SHA3-256, SHA3-512, SHAKE128 and SHAKE256 (FIPS 202) from OpenSSL, over one or more
// pieces of input. OpenSSL 3.0 has no incremental squeeze (EVP_DigestSqueeze is 3.3+), so a
// SHAKE output is produced at its full length in one call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

namespace aegis::crypto::keccak {

using Piece = std::span<const uint8_t>;

void sha3_256(std::initializer_list<Piece> in, uint8_t out[32]);
void sha3_512(std::initializer_list<Piece> in, uint8_t out[64]);
void shake128(std::initializer_list<Piece> in, uint8_t* out, size_t out_size);
void shake256(std::initializer_list<Piece> in, uint8_t* out, size_t out_size);

}  // namespace aegis::crypto::keccak
