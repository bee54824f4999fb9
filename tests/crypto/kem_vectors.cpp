// Prints N JSON lines of X-Wing and ML-KEM-768 results for seeds derived from a counter, for
// tests/kem/differential.mjs to recompute with npm @noble/post-quantum and compare byte for
// byte. Each line also decapsulates a tampered ciphertext (implicit rejection must agree too).
// Usage: kem_vectors N
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aegis/crypto/encoding.h"
#include "aegis/crypto/mlkem768.h"
#include "aegis/crypto/schnorr.h"
#include "aegis/crypto/xwing.h"

using namespace aegis::crypto;

namespace {

// 32·k bytes of SHA-256("aegis-kem-differential" ‖ i ‖ j) for j = 0..k-1.
template <size_t N>
std::array<uint8_t, N> bytes_for(int i, int part) {
  std::array<uint8_t, N> out{};
  for (size_t j = 0; j * 32 < N; ++j) {
    const std::string in = "aegis-kem-differential " + std::to_string(i) + " " +
                           std::to_string(part) + " " + std::to_string(j);
    const Hash32 h = sha256(reinterpret_cast<const uint8_t*>(in.data()), in.size());
    for (size_t b = 0; b < 32 && j * 32 + b < N; ++b) out[j * 32 + b] = h[b];
  }
  return out;
}

template <class A>
std::string hex(const A& a) {
  return to_hex(a.data(), a.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  for (int i = 0; i < n; ++i) {
    const auto sk = bytes_for<32>(i, 0);
    const auto eseed = bytes_for<64>(i, 1);
    const auto pk = xwing::public_key(sk);
    const auto enc = xwing::encapsulate(pk, eseed.data());
    if (!enc) return 1;
    auto forged = enc->ciphertext;
    forged[static_cast<size_t>(i) % forged.size()] ^= static_cast<uint8_t>(1 + i % 255);
    const auto ss_forged = xwing::decapsulate(sk, forged);

    const auto dz = bytes_for<64>(i, 2);
    const auto m = bytes_for<32>(i, 3);
    mlkem768::EncapsulationKey ek;
    mlkem768::DecapsulationKey dk;
    mlkem768::keygen(dz.data(), dz.data() + 32, &ek, &dk);
    mlkem768::Ciphertext c;
    mlkem768::SharedSecret k, k_forged;
    if (!mlkem768::encapsulate(ek, m.data(), &c, &k)) return 1;
    auto c_forged = c;
    c_forged[static_cast<size_t>(i * 7) % c.size()] ^= 0x80;
    mlkem768::decapsulate(dk, c_forged, &k_forged);

    std::printf(
        "{\"sk\":\"%s\",\"pk\":\"%s\",\"eseed\":\"%s\",\"ct\":\"%s\",\"ss\":\"%s\","
        "\"ct_forged\":\"%s\",\"ss_forged\":\"%s\",\"dz\":\"%s\",\"ek\":\"%s\",\"dk\":\"%s\","
        "\"m\":\"%s\",\"c\":\"%s\",\"k\":\"%s\",\"c_forged\":\"%s\",\"k_forged\":\"%s\"}\n",
        hex(sk).c_str(), hex(pk).c_str(), hex(eseed).c_str(), hex(enc->ciphertext).c_str(),
        hex(enc->shared_secret).c_str(), hex(forged).c_str(), hex(ss_forged).c_str(),
        hex(dz).c_str(), hex(ek).c_str(), hex(dk).c_str(), hex(m).c_str(), hex(c).c_str(),
        hex(k).c_str(), hex(c_forged).c_str(), hex(k_forged).c_str());
  }
  return 0;
}
