// X-Wing after draft-connolly-cfrg-xwing-kem-10 §5 (the algorithm notes and vectors are in
// tests/data/: XWING_NOTES.md and xwing_draft10_vectors.json).
#include "aegis/crypto/xwing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <new>

#include "aegis/crypto/mlkem768.h"
#include "ct.h"
#include "keccak.h"

namespace aegis::crypto::xwing {
namespace {

constexpr uint8_t kLabel[6] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};  // "\./" "/^\"

class X25519Key;

struct Expanded {
  mlkem768::EncapsulationKey pk_m;
  mlkem768::DecapsulationKey sk_m;
  std::unique_ptr<X25519Key> x;  // the X25519 half, loaded once
  uint8_t pk_x[32];
  ~Expanded();
};

// An X25519 private key loaded once: OpenSSL computes its public key when it loads it, so
// the same object gives the public key and the shared secrets (one scalar multiplication each).
class X25519Key {
 public:
  explicit X25519Key(const uint8_t scalar[32])
      : key_(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, scalar, 32)) {
    if (!key_) throw std::bad_alloc();  // a 32-byte X25519 key is always accepted
  }
  ~X25519Key() { EVP_PKEY_free(key_); }  // OpenSSL cleanses the scalar
  X25519Key(const X25519Key&) = delete;
  X25519Key& operator=(const X25519Key&) = delete;

  void public_key(uint8_t out[32]) const {
    size_t len = 32;
    if (EVP_PKEY_get_raw_public_key(key_, out, &len) != 1 || len != 32) throw std::bad_alloc();
  }
  // X25519(scalar, point). OpenSSL refuses a result of all zeros (a point of small order);
  // X-Wing takes X25519's value as it is, which is then those zeros.
  // Not inlined: the constant-time check knows OpenSSL's zero-result branch by this frame.
  __attribute__((noinline)) void shared(const uint8_t point[32], uint8_t out[32]) const {
    EVP_PKEY* peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, point, 32);
    EVP_PKEY_CTX* ctx = peer ? EVP_PKEY_CTX_new(key_, nullptr) : nullptr;
    const bool ready =
        ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1;
    size_t len = 32;
    const bool derived = ready && EVP_PKEY_derive(ctx, out, &len) == 1 && len == 32;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    if (!ready) throw std::bad_alloc();
    if (!derived) std::memset(out, 0, 32);
  }

 private:
  EVP_PKEY* key_;
};

Expanded::~Expanded() { OPENSSL_cleanse(sk_m.data(), sk_m.size()); }

void expand(const PrivateKey& sk, Expanded& e) {
  uint8_t seed[96];
  keccak::shake256({{sk.data(), sk.size()}}, seed, sizeof seed);
  mlkem768::keygen(seed, seed + 32, &e.pk_m, &e.sk_m);
  e.x = std::make_unique<X25519Key>(seed + 64);
  OPENSSL_cleanse(seed, sizeof seed);
  e.x->public_key(e.pk_x);
  ct::declassify(e.pk_x, 32);  // the public key
}

void combine(const uint8_t ss_m[32], const uint8_t ss_x[32], const uint8_t ct_x[32],
             const uint8_t pk_x[32], SharedSecret* out) {
  keccak::sha3_256({{ss_m, 32}, {ss_x, 32}, {ct_x, 32}, {pk_x, 32}, {kLabel, sizeof kLabel}},
                   out->data());
}

}  // namespace

PrivateKey generate_private_key() {
  PrivateKey sk;
  if (RAND_priv_bytes(sk.data(), static_cast<int>(sk.size())) != 1) throw std::bad_alloc();
  return sk;
}

PublicKey public_key(const PrivateKey& sk) {
  Expanded e;
  expand(sk, e);
  PublicKey pk;
  std::memcpy(pk.data(), e.pk_m.data(), e.pk_m.size());
  std::memcpy(pk.data() + e.pk_m.size(), e.pk_x, 32);
  return pk;
}

std::optional<Encapsulation> encapsulate(const PublicKey& pk) {
  uint8_t eseed[kEncapsulationSeedSize];
  if (RAND_priv_bytes(eseed, sizeof eseed) != 1) throw std::bad_alloc();
  auto out = encapsulate(pk, eseed);
  OPENSSL_cleanse(eseed, sizeof eseed);
  return out;
}

std::optional<Encapsulation> encapsulate(const PublicKey& pk, const uint8_t eseed[64]) {
  mlkem768::EncapsulationKey pk_m;
  std::memcpy(pk_m.data(), pk.data(), pk_m.size());
  const uint8_t* pk_x = pk.data() + pk_m.size();
  Encapsulation out;
  mlkem768::Ciphertext ct_m;
  mlkem768::SharedSecret ss_m;
  if (!mlkem768::encapsulate(pk_m, eseed, &ct_m, &ss_m)) return std::nullopt;
  uint8_t* ct_x = out.ciphertext.data() + ct_m.size();
  uint8_t ss_x[32];
  const X25519Key ephemeral(eseed + 32);
  ephemeral.public_key(ct_x);
  ct::declassify(ct_x, 32);  // sent
  ephemeral.shared(pk_x, ss_x);
  std::memcpy(out.ciphertext.data(), ct_m.data(), ct_m.size());
  combine(ss_m.data(), ss_x, ct_x, pk_x, &out.shared_secret);
  OPENSSL_cleanse(ss_m.data(), ss_m.size());
  OPENSSL_cleanse(ss_x, sizeof ss_x);
  return out;
}

SharedSecret decapsulate(const PrivateKey& sk, const Ciphertext& ct) {
  Expanded e;
  expand(sk, e);
  mlkem768::Ciphertext ct_m;
  std::memcpy(ct_m.data(), ct.data(), ct_m.size());
  const uint8_t* ct_x = ct.data() + ct_m.size();
  mlkem768::SharedSecret ss_m;
  mlkem768::decapsulate(e.sk_m, ct_m, &ss_m);
  uint8_t ss_x[32];
  e.x->shared(ct_x, ss_x);
  SharedSecret ss;
  combine(ss_m.data(), ss_x, ct_x, e.pk_x, &ss);
  OPENSSL_cleanse(ss_m.data(), ss_m.size());
  OPENSSL_cleanse(ss_x, sizeof ss_x);
  return ss;
}

}  // namespace aegis::crypto::xwing
