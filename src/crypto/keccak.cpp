#include "keccak.h"

#include <openssl/evp.h>

#include <new>

namespace aegis::crypto::keccak {
namespace {

// Fetched once: an implicit fetch on every digest takes a lock in OpenSSL 3.0.
const EVP_MD* md(const char* name) {
  EVP_MD* m = EVP_MD_fetch(nullptr, name, nullptr);
  if (!m) throw std::bad_alloc();
  return m;
}

void digest(const EVP_MD* m, std::initializer_list<Piece> in, uint8_t* out, size_t out_size,
            bool xof) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestInit_ex(ctx, m, nullptr) == 1;
  for (const Piece& p : in) ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  ok = ok && (xof ? EVP_DigestFinalXOF(ctx, out, out_size) == 1
                  : EVP_DigestFinal_ex(ctx, out, nullptr) == 1);
  EVP_MD_CTX_free(ctx);  // cleanses its state
  if (!ok) throw std::bad_alloc();  // OpenSSL fails here only when out of memory
}

}  // namespace

void sha3_256(std::initializer_list<Piece> in, uint8_t out[32]) {
  static const EVP_MD* m = md("SHA3-256");
  digest(m, in, out, 32, false);
}
void sha3_512(std::initializer_list<Piece> in, uint8_t out[64]) {
  static const EVP_MD* m = md("SHA3-512");
  digest(m, in, out, 64, false);
}
void shake128(std::initializer_list<Piece> in, uint8_t* out, size_t out_size) {
  static const EVP_MD* m = md("SHAKE128");
  digest(m, in, out, out_size, true);
}
void shake256(std::initializer_list<Piece> in, uint8_t* out, size_t out_size) {
  static const EVP_MD* m = md("SHAKE256");
  digest(m, in, out, out_size, true);
}

}  // namespace aegis::crypto::keccak
