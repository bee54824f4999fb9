// ML-KEM-768 after FIPS 203 (August 2024); algorithm numbers are the standard's. Coefficients are
// kept fully reduced in [0, q) as uint16_t; every reduction is a Barrett multiply and a masked
// subtraction, so no branch depends on a value.
#include "aegis/crypto/mlkem768.h"

#include <openssl/crypto.h>

#include <cstring>
#include <vector>

#include "ct.h"
#include "keccak.h"

namespace aegis::crypto::mlkem768 {
namespace {

constexpr uint32_t kQ = 3329;
constexpr int kK = 3;    // module rank of ML-KEM-768
constexpr int kDu = 10;  // bits per coefficient of u
constexpr int kDv = 4;   // bits per coefficient of v
constexpr size_t kPolyBytes = 384;                 // ByteEncode_12 of one polynomial
constexpr size_t kPkeSecretBytes = kPolyBytes * kK;  // 1152
constexpr size_t kU = 32 * kDu * kK;               // 960
constexpr size_t kV = 32 * kDv;                    // 128
static_assert(kU + kV == kCiphertextSize);

using Poly = std::array<uint16_t, 256>;
using Vec = std::array<Poly, kK>;

// Wipes a secret when it goes out of scope.
template <class T>
struct Secret {
  T v{};
  ~Secret() { OPENSSL_cleanse(&v, sizeof v); }
};

// r in [0, 2q) → [0, q), without a branch.
inline uint16_t csub(uint32_t r) {
  r -= kQ;
  r += static_cast<uint32_t>(static_cast<int32_t>(r) >> 31) & kQ;
  return static_cast<uint16_t>(r);
}
// x < 2^31 → x mod q. floor(2^32 / q) = 1290167 underestimates x / q by less than 1.
inline uint16_t reduce(uint32_t x) {
  const uint32_t t = static_cast<uint32_t>((static_cast<uint64_t>(x) * 1290167u) >> 32);
  return csub(x - t * kQ);
}
inline uint16_t add(uint16_t a, uint16_t b) { return csub(uint32_t{a} + b); }
inline uint16_t sub(uint16_t a, uint16_t b) { return csub(uint32_t{a} + kQ - b); }
inline uint16_t mul(uint16_t a, uint16_t b) { return reduce(uint32_t{a} * b); }

constexpr uint32_t pow_mod(uint32_t base, uint32_t e) {
  uint64_t r = 1, b = base;
  while (e) {
    if (e & 1) r = r * b % kQ;
    b = b * b % kQ;
    e >>= 1;
  }
  return static_cast<uint32_t>(r);
}
constexpr uint32_t bitrev7(uint32_t i) {
  uint32_t r = 0;
  for (int b = 0; b < 7; ++b) r |= ((i >> b) & 1) << (6 - b);
  return r;
}
// ζ^BitRev7(i) and ζ^(2·BitRev7(i)+1) for ζ = 17, the 256th root of unity mod q.
constexpr std::array<uint16_t, 128> kZetas = [] {
  std::array<uint16_t, 128> z{};
  for (uint32_t i = 0; i < 128; ++i) z[i] = static_cast<uint16_t>(pow_mod(17, bitrev7(i)));
  return z;
}();
constexpr std::array<uint16_t, 128> kGammas = [] {
  std::array<uint16_t, 128> g{};
  for (uint32_t i = 0; i < 128; ++i) g[i] = static_cast<uint16_t>(pow_mod(17, 2 * bitrev7(i) + 1));
  return g;
}();

// Algorithm 9.
void ntt(Poly& f) {
  size_t i = 1;
  for (size_t len = 128; len >= 2; len /= 2) {
    for (size_t start = 0; start < 256; start += 2 * len) {
      const uint16_t zeta = kZetas[i++];
      for (size_t j = start; j < start + len; ++j) {
        const uint16_t t = mul(zeta, f[j + len]);
        f[j + len] = sub(f[j], t);
        f[j] = add(f[j], t);
      }
    }
  }
}

// Algorithm 10.
void ntt_inverse(Poly& f) {
  size_t i = 127;
  for (size_t len = 2; len <= 128; len *= 2) {
    for (size_t start = 0; start < 256; start += 2 * len) {
      const uint16_t zeta = kZetas[i--];
      for (size_t j = start; j < start + len; ++j) {
        const uint16_t t = f[j];
        f[j] = add(t, f[j + len]);
        f[j + len] = mul(zeta, sub(f[j + len], t));
      }
    }
  }
  for (auto& c : f) c = mul(c, 3303);  // 128^-1 mod q
}

// Algorithms 11 and 12: acc += f ∘ g in the NTT domain.
void multiply_add(Poly& acc, const Poly& f, const Poly& g) {
  for (size_t i = 0; i < 128; ++i) {
    const uint16_t a0 = f[2 * i], a1 = f[2 * i + 1], b0 = g[2 * i], b1 = g[2 * i + 1];
    const uint16_t c0 = add(mul(a0, b0), mul(mul(a1, b1), kGammas[i]));
    const uint16_t c1 = add(mul(a0, b1), mul(a1, b0));
    acc[2 * i] = add(acc[2 * i], c0);
    acc[2 * i + 1] = add(acc[2 * i + 1], c1);
  }
}

void poly_add(Poly& a, const Poly& b) {
  for (size_t i = 0; i < 256; ++i) a[i] = add(a[i], b[i]);
}

// Algorithm 5, ByteEncode_d, for coefficients already below 2^d (or q when d = 12).
void encode(const Poly& f, int d, uint8_t* out) {
  uint64_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (uint16_t c : f) {
    acc |= static_cast<uint64_t>(c) << bits;
    bits += d;
    while (bits >= 8) {
      out[o++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

// Algorithm 6, ByteDecode_d: d-bit integers; for d = 12 taken mod q.
void decode(const uint8_t* in, int d, Poly& f) {
  uint64_t acc = 0;
  int bits = 0;
  size_t n = 0;
  const uint64_t mask = (uint64_t{1} << d) - 1;
  for (size_t i = 0; n < 256; ++i) {
    acc |= static_cast<uint64_t>(in[i]) << bits;
    bits += 8;
    while (bits >= d && n < 256) {
      const auto v = static_cast<uint32_t>(acc & mask);
      f[n++] = d == 12 ? csub(v) : static_cast<uint16_t>(v);  // 12-bit values are below 2q
      acc >>= d;
      bits -= d;
    }
  }
}

// Compress_d(x) = round(2^d·x / q) mod 2^d = floor((2^(d+1)·x + q) / 2q) mod 2^d. The division
// by 2q is a multiply by ceil(2^40 / 2q): exact for numerators below 2^24 (all d ≤ 11).
inline uint16_t compress(uint16_t x, int d) {
  constexpr uint64_t kM = ((uint64_t{1} << 40) + 2 * kQ - 1) / (2 * kQ);
  const uint64_t num = (static_cast<uint64_t>(x) << (d + 1)) + kQ;
  return static_cast<uint16_t>(((num * kM) >> 40) & ((1u << d) - 1));
}
// Decompress_d(y) = round(q·y / 2^d).
inline uint16_t decompress(uint16_t y, int d) {
  return static_cast<uint16_t>((uint32_t{y} * kQ + (1u << (d - 1))) >> d);
}

// Algorithm 7: Â[i][j] from SHAKE128(ρ ‖ j ‖ i) by rejection (ρ is public). Without an
// incremental squeeze, the XOF output is taken at a length that suffices but for a probability
// below 2^-100 (5 blocks give 560 candidates for 256 coefficients accepted with p = 0.81 each),
// and at twice the length, again, in the case it does not: a prefix of the same stream, so the
// result is the standard's either way.
void sample_ntt(const uint8_t rho[32], uint8_t j, uint8_t i, Poly& a) {
  const uint8_t suffix[2] = {j, i};
  std::vector<uint8_t> stream;
  for (size_t len = 168 * 5;; len *= 2) {
    stream.resize(len);
    keccak::shake128({{rho, 32}, {suffix, 2}}, stream.data(), len);
    size_t n = 0;
    for (size_t p = 0; p + 3 <= len && n < 256; p += 3) {
      const uint16_t d1 = static_cast<uint16_t>(stream[p] | ((stream[p + 1] & 0x0F) << 8));
      const uint16_t d2 = static_cast<uint16_t>((stream[p + 1] >> 4) | (stream[p + 2] << 4));
      if (d1 < kQ) a[n++] = d1;
      if (d2 < kQ && n < 256) a[n++] = d2;
    }
    if (n == 256) return;
  }
}

void sample_matrix(const uint8_t rho[32], std::array<Vec, kK>& a) {
  for (int i = 0; i < kK; ++i)
    for (int j = 0; j < kK; ++j)
      sample_ntt(rho, static_cast<uint8_t>(j), static_cast<uint8_t>(i), a[i][j]);
}

// Algorithm 8 with η = 2, from PRF_2(s, b) = SHAKE256(s ‖ b, 128): each coefficient is the
// difference of two 2-bit sums, counted without a branch.
void sample_cbd2(const uint8_t s[32], uint8_t b, Poly& f) {
  Secret<std::array<uint8_t, 128>> buf;
  keccak::shake256({{s, 32}, {&b, 1}}, buf.v.data(), buf.v.size());
  for (size_t i = 0; i < 256; ++i) {
    const uint8_t byte = buf.v[i / 2];
    const uint8_t nib = static_cast<uint8_t>((i % 2) ? byte >> 4 : byte & 0x0F);
    const uint16_t x = static_cast<uint16_t>((nib & 1) + ((nib >> 1) & 1));
    const uint16_t y = static_cast<uint16_t>(((nib >> 2) & 1) + ((nib >> 3) & 1));
    f[i] = sub(x, y);
  }
}

// K-PKE.Encrypt (Algorithm 14) with t̂ and Â already decoded and sampled.
void pke_encrypt(const Vec& t_hat, const std::array<Vec, kK>& a_hat, const uint8_t m[32],
                 const uint8_t r[32], uint8_t* c) {
  Secret<Vec> y, e1;
  Secret<Poly> e2, mu, v;
  uint8_t n = 0;
  for (int i = 0; i < kK; ++i) sample_cbd2(r, n++, y.v[i]);
  for (int i = 0; i < kK; ++i) sample_cbd2(r, n++, e1.v[i]);
  sample_cbd2(r, n, e2.v);
  for (auto& p : y.v) ntt(p);
  Secret<Vec> u;
  for (int i = 0; i < kK; ++i) {
    for (int j = 0; j < kK; ++j) multiply_add(u.v[i], a_hat[j][i], y.v[j]);  // Âᵀ ∘ ŷ
    ntt_inverse(u.v[i]);
    poly_add(u.v[i], e1.v[i]);
  }
  for (size_t i = 0; i < 256; ++i)
    mu.v[i] = decompress(static_cast<uint16_t>((m[i / 8] >> (i % 8)) & 1), 1);
  for (int j = 0; j < kK; ++j) multiply_add(v.v, t_hat[j], y.v[j]);
  ntt_inverse(v.v);
  poly_add(v.v, e2.v);
  poly_add(v.v, mu.v);
  for (int i = 0; i < kK; ++i) {
    for (auto& x : u.v[i]) x = compress(x, kDu);
    encode(u.v[i], kDu, c + 320 * i);
  }
  for (auto& x : v.v) x = compress(x, kDv);
  encode(v.v, kDv, c + kU);
}

void decode_public(const uint8_t* ek, Vec& t_hat, std::array<Vec, kK>& a_hat) {
  for (int i = 0; i < kK; ++i) decode(ek + kPolyBytes * i, 12, t_hat[i]);
  sample_matrix(ek + kPkeSecretBytes, a_hat);
}

// Encrypts with the encapsulation key `ek` (checked by the caller).
void encrypt(const uint8_t* ek, const uint8_t m[32], const uint8_t r[32], uint8_t* c) {
  Vec t_hat;
  std::array<Vec, kK> a_hat;
  decode_public(ek, t_hat, a_hat);
  pke_encrypt(t_hat, a_hat, m, r, c);
}

}  // namespace

void keygen(const uint8_t d[32], const uint8_t z[32], EncapsulationKey* ek, DecapsulationKey* dk) {
  // K-PKE.KeyGen (Algorithm 13): (ρ, σ) = G(d ‖ k).
  Secret<std::array<uint8_t, 64>> rho_sigma;
  const uint8_t k = kK;
  keccak::sha3_512({{d, 32}, {&k, 1}}, rho_sigma.v.data());
  const uint8_t* rho = rho_sigma.v.data();
  const uint8_t* sigma = rho_sigma.v.data() + 32;
  ct::declassify(rho, 32);  // ρ is part of the public key
  std::array<Vec, kK> a_hat;
  sample_matrix(rho, a_hat);
  Secret<Vec> s, e;
  uint8_t n = 0;
  for (int i = 0; i < kK; ++i) sample_cbd2(sigma, n++, s.v[i]);
  for (int i = 0; i < kK; ++i) sample_cbd2(sigma, n++, e.v[i]);
  for (auto& p : s.v) ntt(p);
  for (auto& p : e.v) ntt(p);
  Vec t_hat{};
  for (int i = 0; i < kK; ++i) {
    for (int j = 0; j < kK; ++j) multiply_add(t_hat[i], a_hat[i][j], s.v[j]);
    poly_add(t_hat[i], e.v[i]);
  }
  for (int i = 0; i < kK; ++i) encode(t_hat[i], 12, ek->data() + kPolyBytes * i);
  std::memcpy(ek->data() + kPkeSecretBytes, rho, 32);
  ct::declassify(ek->data(), ek->size());  // the public key
  // dk = dk_PKE ‖ ek ‖ H(ek) ‖ z (Algorithm 16).
  for (int i = 0; i < kK; ++i) encode(s.v[i], 12, dk->data() + kPolyBytes * i);
  std::memcpy(dk->data() + kPkeSecretBytes, ek->data(), kEncapsulationKeySize);
  keccak::sha3_256({{ek->data(), ek->size()}}, dk->data() + kPkeSecretBytes + kEncapsulationKeySize);
  std::memcpy(dk->data() + kPkeSecretBytes + kEncapsulationKeySize + 32, z, 32);
}

bool check_encapsulation_key(const uint8_t* ek, size_t size) {
  if (size != kEncapsulationKeySize) return false;
  uint8_t again[kPolyBytes];
  for (int i = 0; i < kK; ++i) {
    Poly f;
    decode(ek + kPolyBytes * i, 12, f);
    encode(f, 12, again);
    if (std::memcmp(again, ek + kPolyBytes * i, kPolyBytes) != 0) return false;  // public
  }
  return true;
}

bool check_decapsulation_key(const DecapsulationKey& dk) {
  uint8_t h[32];
  keccak::sha3_256({{dk.data() + kPkeSecretBytes, kEncapsulationKeySize}}, h);
  const uint8_t* stored = dk.data() + kPkeSecretBytes + kEncapsulationKeySize;
  const bool same = ct::differ_mask(h, stored, 32) == 0;
  ct::declassify(&same, sizeof same);  // the verdict on a malformed key is not a secret
  return same;
}

bool encapsulate(const EncapsulationKey& ek, const uint8_t m[32], Ciphertext* c, SharedSecret* k) {
  if (!check_encapsulation_key(ek.data(), ek.size())) return false;
  // (K, r) = G(m ‖ H(ek)) (Algorithm 17).
  uint8_t h[32];
  keccak::sha3_256({{ek.data(), ek.size()}}, h);
  Secret<std::array<uint8_t, 64>> kr;
  keccak::sha3_512({{m, 32}, {h, 32}}, kr.v.data());
  encrypt(ek.data(), m, kr.v.data() + 32, c->data());
  ct::declassify(c->data(), c->size());  // the ciphertext is sent
  std::memcpy(k->data(), kr.v.data(), 32);
  return true;
}

void decapsulate(const DecapsulationKey& dk, const Ciphertext& c, SharedSecret* k) {
  const uint8_t* dk_pke = dk.data();
  const uint8_t* ek = dk.data() + kPkeSecretBytes;
  const uint8_t* h = ek + kEncapsulationKeySize;
  const uint8_t* z = h + 32;
  // K-PKE.Decrypt (Algorithm 15): w = v' − NTT⁻¹(ŝᵀ ∘ NTT(u')), m' = ByteEncode_1(Compress_1(w)).
  Secret<std::array<uint8_t, 32>> m;
  {
    Secret<Vec> s_hat, u;
    Secret<Poly> v, w;
    for (int i = 0; i < kK; ++i) decode(dk_pke + kPolyBytes * i, 12, s_hat.v[i]);
    for (int i = 0; i < kK; ++i) {
      decode(c.data() + 320 * i, kDu, u.v[i]);
      for (auto& x : u.v[i]) x = decompress(x, kDu);
      ntt(u.v[i]);
    }
    decode(c.data() + kU, kDv, v.v);
    for (auto& x : v.v) x = decompress(x, kDv);
    for (int i = 0; i < kK; ++i) multiply_add(w.v, s_hat.v[i], u.v[i]);
    ntt_inverse(w.v);
    for (size_t i = 0; i < 256; ++i) w.v[i] = sub(v.v[i], w.v[i]);
    for (size_t i = 0; i < 256; ++i)
      m.v[i / 8] = static_cast<uint8_t>(m.v[i / 8] | (compress(w.v[i], 1) << (i % 8)));
  }
  // (K', r') = G(m' ‖ h); K̄ = J(z ‖ c); c' = Encrypt(ek, m', r').
  Secret<std::array<uint8_t, 64>> kr;
  keccak::sha3_512({{m.v.data(), 32}, {h, 32}}, kr.v.data());
  Secret<SharedSecret> rejected;
  keccak::shake256({{z, 32}, {c.data(), c.size()}}, rejected.v.data(), 32);
  Secret<Ciphertext> again;
  encrypt(ek, m.v.data(), kr.v.data() + 32, again.v.data());
  // K' when c' = c, else K̄: chosen without a branch.
  const uint8_t differ = ct::differ_mask(c.data(), again.v.data(), c.size());
  ct::select(k->data(), kr.v.data(), rejected.v.data(), 32, differ);
}

}  // namespace aegis::crypto::mlkem768
