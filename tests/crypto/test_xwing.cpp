// X-Wing against the draft's own vectors (draft-connolly-cfrg-xwing-kem-10, Appendix C, copied
// into tests/data/xwing_draft10_vectors.json with its source), and its failure behaviour.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "aegis/crypto/encoding.h"
#include "aegis/crypto/xwing.h"
#include "tests/common/paths.h"

namespace aegis::crypto {
namespace {

nlohmann::json load(const std::string& name) {
  std::ifstream in(aegis::test::data_dir() + "/" + name);
  return nlohmann::json::parse(in);
}

template <size_t N>
std::array<uint8_t, N> fixed(const nlohmann::json& hex) {
  const auto b = from_hex(hex.get<std::string>());
  EXPECT_TRUE(b && b->size() == N);
  std::array<uint8_t, N> out{};
  if (b && b->size() == N) std::copy(b->begin(), b->end(), out.begin());
  return out;
}

TEST(XWing, DraftTenVectors) {
  const auto doc = load("xwing_draft10_vectors.json");
  ASSERT_EQ(doc["vectors"].size(), 3u);
  for (const auto& v : doc["vectors"]) {
    const auto sk = fixed<32>(v["seed"]);
    const auto pk = xwing::public_key(sk);
    EXPECT_EQ(to_hex(pk.data(), pk.size()), v["pk"]);
    const auto eseed = fixed<64>(v["eseed"]);
    const auto enc = xwing::encapsulate(pk, eseed.data());
    ASSERT_TRUE(enc);
    EXPECT_EQ(to_hex(enc->ciphertext.data(), enc->ciphertext.size()), v["ct"]);
    EXPECT_EQ(to_hex(enc->shared_secret.data(), 32), v["ss"]);
    const auto ss = xwing::decapsulate(sk, fixed<1120>(v["ct"]));
    EXPECT_EQ(to_hex(ss.data(), 32), v["ss"]);
  }
}

TEST(XWing, RandomKeysAgreeAndTamperingChangesTheSecret) {
  const auto sk = xwing::generate_private_key();
  const auto pk = xwing::public_key(sk);
  const auto enc = xwing::encapsulate(pk);
  ASSERT_TRUE(enc);
  EXPECT_EQ(xwing::decapsulate(sk, enc->ciphertext), enc->shared_secret);
  // A flipped bit in either half gives another secret (implicit rejection for ML-KEM; another
  // point for X25519), never an error.
  for (size_t at : {size_t{0}, size_t{700}, size_t{1087}, size_t{1100}}) {
    auto forged = enc->ciphertext;
    forged[at] ^= 0x01;
    EXPECT_NE(xwing::decapsulate(sk, forged), enc->shared_secret) << at;
  }
  // Another recipient's key does not open it.
  EXPECT_NE(xwing::decapsulate(xwing::generate_private_key(), enc->ciphertext), enc->shared_secret);
}

TEST(XWing, AnEncapsulationKeyWithACoefficientOverQIsRefused) {
  auto pk = xwing::public_key(xwing::generate_private_key());
  pk[0] = 0xFF;
  pk[1] |= 0x0F;  // the first 12-bit coefficient becomes 4095 ≥ q
  uint8_t eseed[64] = {};
  EXPECT_FALSE(xwing::encapsulate(pk, eseed));
}

TEST(XWing, ALowOrderX25519HalfContributesZeros) {
  // X25519 of the point 0 is all zeros, which OpenSSL refuses to return; X-Wing takes it as it
  // is. The result must be deterministic, and differ from the honest secret.
  const auto sk = xwing::generate_private_key();
  const auto enc = xwing::encapsulate(xwing::public_key(sk));
  ASSERT_TRUE(enc);
  auto forged = enc->ciphertext;
  std::fill(forged.begin() + 1088, forged.end(), uint8_t{0});
  const auto a = xwing::decapsulate(sk, forged);
  EXPECT_EQ(a, xwing::decapsulate(sk, forged));
  EXPECT_NE(a, enc->shared_secret);
}

}  // namespace
}  // namespace aegis::crypto
