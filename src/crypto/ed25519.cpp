#include "aegis/crypto/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

#include "aegis/crypto/errors.h"

namespace aegis::crypto {
namespace {

[[noreturn]] void fail(const char* what) {
  throw_error(Error{errors::kCryptoEd25519, "", std::string("Ed25519: ") + what});
}

struct MdCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Ed25519Key Ed25519Key::generate() {
  std::array<uint8_t, 32> seed;
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) fail("no randomness");
  Ed25519Key key{std::span<const uint8_t, 32>(seed)};
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Ed25519Key::Ed25519Key(std::span<const uint8_t, 32> seed) {
  key_ = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  if (!key_) fail("cannot load the private key");
  size_t n = public_key_.size();
  if (EVP_PKEY_get_raw_public_key(key_, public_key_.data(), &n) != 1 || n != 32) {
    EVP_PKEY_free(key_);
    fail("cannot derive the public key");
  }
}

Ed25519Key::~Ed25519Key() { EVP_PKEY_free(key_); }  // OpenSSL wipes the key material

Ed25519Key::Ed25519Key(Ed25519Key&& other) noexcept
    : key_(other.key_), public_key_(other.public_key_) {
  other.key_ = nullptr;
}

std::array<uint8_t, 32> Ed25519Key::seed() const {
  std::array<uint8_t, 32> out;
  size_t n = out.size();
  if (EVP_PKEY_get_raw_private_key(key_, out.data(), &n) != 1 || n != 32)
    fail("cannot read the private key");
  return out;
}

Ed25519Signature Ed25519Key::sign(std::span<const uint8_t> message) const {
  MdCtx md;
  Ed25519Signature sig;
  size_t n = sig.size();
  if (!md.ctx || EVP_DigestSignInit(md.ctx, nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(md.ctx, sig.data(), &n, message.data(), message.size()) != 1 || n != 64)
    fail("signing failed");
  return sig;
}

bool ed25519_verify(const Ed25519PublicKey& public_key, std::span<const uint8_t> message,
                    const Ed25519Signature& signature) noexcept {
  EVP_PKEY* key =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
  if (!key) return false;
  MdCtx md;
  const bool ok = md.ctx && EVP_DigestVerifyInit(md.ctx, nullptr, nullptr, nullptr, key) == 1 &&
                  EVP_DigestVerify(md.ctx, signature.data(), signature.size(), message.data(),
                                   message.size()) == 1;
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace aegis::crypto
