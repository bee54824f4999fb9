#include "aegis/crypto/schnorr.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstring>
#include <stdexcept>

#include "aegis/core/error.h"
#include "aegis/crypto/errors.h"

namespace aegis::crypto {
namespace {

[[noreturn]] void internal(const char* what) {
  throw_error(Error{errors::kCryptoInternal, "", what});
}

void random_bytes(uint8_t* out, size_t n) {
  if (RAND_priv_bytes(out, static_cast<int>(n)) != 1) internal("the OS random generator failed");
}

// One context for the process: created and randomized (side-channel blinding) once, then only
// read, which libsecp256k1 allows from many threads.
const secp256k1_context* ctx() {
  static const secp256k1_context* c = [] {
    secp256k1_context* created = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    random_bytes(seed, sizeof seed);
    if (!secp256k1_context_randomize(created, seed)) internal("context randomization failed");
    OPENSSL_cleanse(seed, sizeof seed);
    return created;
  }();
  return c;
}

// A keypair that wipes itself.
struct Keypair {
  secp256k1_keypair kp;
  explicit Keypair(const SecretKey& key) {
    if (!secp256k1_keypair_create(ctx(), &kp, key.data())) internal("invalid secret key");
  }
  ~Keypair() { OPENSSL_cleanse(&kp, sizeof kp); }
};

Hash32 taptweak(const XOnlyKey& p) { return tagged_hash("TapTweak", p.data(), p.size()); }

}  // namespace

Hash32 sha256(const uint8_t* data, size_t size) {
  // Fetched once: OpenSSL's by-name lookup in SHA256() takes locks on every call.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  Hash32 h;
  unsigned int len = 0;
  if (!md || EVP_Digest(data, size, h.data(), &len, md, nullptr) != 1 || len != h.size())
    internal("SHA-256 failed");
  return h;
}

Hash32 tagged_hash(std::string_view tag, const uint8_t* data, size_t size) {
  Hash32 h;
  if (!secp256k1_tagged_sha256(ctx(), h.data(), reinterpret_cast<const uint8_t*>(tag.data()),
                               tag.size(), data, size))
    internal("tagged_sha256 failed");
  return h;
}

SecretKey SecretKey::generate() {
  SecretKey k;
  do {
    random_bytes(k.bytes_.data(), k.bytes_.size());
  } while (!secp256k1_ec_seckey_verify(ctx(), k.bytes_.data()));
  return k;
}

std::optional<SecretKey> SecretKey::from_bytes(const uint8_t* data, size_t size) {
  if (size != 32) return std::nullopt;
  SecretKey k;
  std::memcpy(k.bytes_.data(), data, 32);
  if (!secp256k1_ec_seckey_verify(ctx(), k.bytes_.data())) return std::nullopt;
  return k;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
SecretKey::SecretKey(const SecretKey& other) : bytes_(other.bytes_) {}
SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

XOnlyKey SecretKey::public_key() const {
  Keypair kp(*this);
  secp256k1_xonly_pubkey pk;
  if (!secp256k1_keypair_xonly_pub(ctx(), &pk, nullptr, &kp.kp)) internal("keypair_xonly_pub");
  XOnlyKey out;
  secp256k1_xonly_pubkey_serialize(ctx(), out.data(), &pk);
  return out;
}

bool is_valid_public_key(const XOnlyKey& key) {
  secp256k1_xonly_pubkey pk;
  return secp256k1_xonly_pubkey_parse(ctx(), &pk, key.data()) == 1;
}

Signature64 schnorr_sign(const SecretKey& key, const uint8_t* msg, size_t msg_size,
                         const Hash32& aux_rand) {
  Keypair kp(key);
  secp256k1_schnorrsig_extraparams extra = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  extra.ndata = const_cast<uint8_t*>(aux_rand.data());
  Signature64 sig;
  if (!secp256k1_schnorrsig_sign_custom(ctx(), sig.data(), msg, msg_size, &kp.kp, &extra))
    internal("schnorrsig_sign failed");
  return sig;
}

Signature64 schnorr_sign(const SecretKey& key, const uint8_t* msg, size_t msg_size) {
  Hash32 aux;
  random_bytes(aux.data(), aux.size());
  return schnorr_sign(key, msg, msg_size, aux);
}

bool schnorr_verify(const XOnlyKey& key, const Signature64& sig, const uint8_t* msg,
                    size_t msg_size) {
  secp256k1_xonly_pubkey pk;
  if (!secp256k1_xonly_pubkey_parse(ctx(), &pk, key.data())) return false;
  return secp256k1_schnorrsig_verify(ctx(), sig.data(), msg, msg_size, &pk) == 1;
}

std::optional<VerifyKey> VerifyKey::parse(const XOnlyKey& key) {
  static_assert(sizeof(secp256k1_xonly_pubkey) == sizeof(VerifyKey::parsed_));
  secp256k1_xonly_pubkey pk;
  if (!secp256k1_xonly_pubkey_parse(ctx(), &pk, key.data())) return std::nullopt;
  VerifyKey v;
  v.bytes_ = key;
  std::memcpy(v.parsed_.data(), &pk, sizeof pk);
  return v;
}

bool VerifyKey::verify(const Signature64& sig, const uint8_t* msg, size_t msg_size) const {
  secp256k1_xonly_pubkey pk;
  std::memcpy(&pk, parsed_.data(), sizeof pk);
  return secp256k1_schnorrsig_verify(ctx(), sig.data(), msg, msg_size, &pk) == 1;
}

std::optional<XOnlyKey> taproot_output_key(const XOnlyKey& internal_key) {
  secp256k1_xonly_pubkey p;
  if (!secp256k1_xonly_pubkey_parse(ctx(), &p, internal_key.data())) return std::nullopt;
  const Hash32 t = taptweak(internal_key);
  secp256k1_pubkey q;
  if (!secp256k1_xonly_pubkey_tweak_add(ctx(), &q, &p, t.data())) return std::nullopt;
  secp256k1_xonly_pubkey qx;
  if (!secp256k1_xonly_pubkey_from_pubkey(ctx(), &qx, nullptr, &q)) return std::nullopt;
  XOnlyKey out;
  secp256k1_xonly_pubkey_serialize(ctx(), out.data(), &qx);
  return out;
}

Signature64 taproot_sign(const SecretKey& key, const Hash32& msg32) {
  Keypair kp(key);
  const Hash32 t = taptweak(key.public_key());
  if (!secp256k1_keypair_xonly_tweak_add(ctx(), &kp.kp, t.data())) internal("taproot tweak failed");
  Hash32 aux;
  random_bytes(aux.data(), aux.size());
  Signature64 sig;
  if (!secp256k1_schnorrsig_sign32(ctx(), sig.data(), msg32.data(), &kp.kp, aux.data()))
    internal("schnorrsig_sign failed");
  return sig;
}

}  // namespace aegis::crypto
