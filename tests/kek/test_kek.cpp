// The in-memory and environment providers, RFC 5649 against its published vectors, and the
// errors a user meets (what is missing, a malformed variable, no private key) — none showing a
// secret.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../common/error_of.h"
#include "aegis/crypto/encoding.h"
#include "aegis/kek/kek.h"

namespace aegis {
namespace {

using testing::error_of;

KekBytes hex(const char* h) { return *crypto::from_hex(h); }

// RFC 5649 §6's vectors use a 192-bit KEK; the 256-bit wrap is checked against blobs made by an
// independent implementation (Python cryptography 38, aes_key_wrap_with_padding, key
// bytes(range(32)), plaintext 0x5a repeated), then round trips, lengths and integrity.
TEST(Rfc5649, RoundTripLengthsAndIntegrity) {
  uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  for (size_t n : {1u, 7u, 8u, 9u, 20u, 32u, 100u}) {
    const KekBytes data(n, 0x5A);
    const KekBytes w = aes_kwp_wrap(key, data);
    EXPECT_EQ(w.size(), ((n + 7) / 8) * 8 + 8) << n;
    EXPECT_EQ(aes_kwp_unwrap(key, w), data) << n;
    KekBytes forged = w;
    forged[3] ^= 1;
    EXPECT_FALSE(aes_kwp_unwrap(key, forged)) << n;
  }
  EXPECT_EQ(crypto::to_hex(aes_kwp_wrap(key, KekBytes(1, 0x5A))),
            "98763ddaec071c0e6df0f4732227d2af");
  EXPECT_EQ(crypto::to_hex(aes_kwp_wrap(key, KekBytes(20, 0x5A))),
            "734a84e0ced0adfd714506ba48c7c478fd9b92fed9534c0b171d791cb778c655");
  EXPECT_EQ(crypto::to_hex(aes_kwp_wrap(key, KekBytes(32, 0x5A))),
            "5f7f38d5d72c76622f9c0964b07a424343708565781d0746dbbb9338bf567428aa530d6200e32ab8");
}

TEST(InMemoryKek, WrapsAndHoldsNoPrivateKeyUnlessGiven) {
  InMemoryKEKProvider p;
  EXPECT_TRUE(p.configured());
  EXPECT_FALSE(p.self_test());
  const KekBytes data = hex("00112233445566778899aabbccddeeff");
  EXPECT_EQ(p.unwrap(p.wrap(data)), data);
  InMemoryKEKProvider other;
  EXPECT_EQ(error_of([&] { other.unwrap(p.wrap(data)); }).detail, "kek.unwrap_failed");
  const Error none = error_of([&] { p.private_key(); });
  EXPECT_EQ(none.detail, "kek.no_private_key");
  EXPECT_NE(none.message.find("no configured provider holds the HybridKEM private key"),
            std::string::npos);
  const auto sk = crypto::xwing::generate_private_key();
  InMemoryKEKProvider holder(sk);
  EXPECT_EQ(holder.private_key(), sk);
  EXPECT_EQ(*holder.public_key(), crypto::xwing::public_key(sk));
  EXPECT_EQ(p.metadata().provider_type, "in_memory");
}

TEST(EnvironmentKek, ReadsValidatesAndNamesWhatIsWrong) {
  unsetenv("AEGIS_MASTER_KEK");
  unsetenv("AEGIS_WRAPPED_PRIVATE_KEY");
  unsetenv("AEGIS_MASTER_KEK_PUBLIC");
  auto empty = EnvironmentKEKProvider::from_environment();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty.value()->missing(), std::vector<std::string>{"AEGIS_MASTER_KEK"});
  EXPECT_EQ(empty.value()->self_test()->detail, "kek.not_configured");

  const std::string secret = crypto::to_base64(KekBytes(32, 0x17));
  setenv("AEGIS_MASTER_KEK", "not base64!", 1);
  auto bad = EnvironmentKEKProvider::from_environment();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "AEGIS_MASTER_KEK");
  setenv("AEGIS_MASTER_KEK", crypto::to_base64(KekBytes(16, 1)).c_str(), 1);
  auto short_key = EnvironmentKEKProvider::from_environment();
  ASSERT_FALSE(short_key);
  EXPECT_NE(short_key.error().message.find("32 bytes"), std::string::npos);

  setenv("AEGIS_MASTER_KEK", secret.c_str(), 1);
  auto p = EnvironmentKEKProvider::from_environment();
  ASSERT_TRUE(p);
  EXPECT_FALSE(p.value()->self_test());
  EXPECT_EQ(p.value()->metadata().key_id.rfind("env:", 0), 0u);
  EXPECT_EQ(p.value()->metadata().key_id.find(secret), std::string::npos);
  const auto sk = crypto::xwing::generate_private_key();
  const std::string wrapped = crypto::to_base64(p.value()->wrap(sk));
  const auto pk = crypto::xwing::public_key(sk);
  setenv("AEGIS_WRAPPED_PRIVATE_KEY", wrapped.c_str(), 1);
  setenv("AEGIS_MASTER_KEK_PUBLIC", crypto::to_base64(pk.data(), pk.size()).c_str(), 1);
  auto holder = EnvironmentKEKProvider::from_environment();
  ASSERT_TRUE(holder);
  EXPECT_EQ(holder.value()->private_key(), sk);
  EXPECT_EQ(*holder.value()->public_key(), pk);
  setenv("AEGIS_MASTER_KEK_PUBLIC", crypto::to_base64(KekBytes(100, 1)).c_str(), 1);
  auto short_pk = EnvironmentKEKProvider::from_environment();
  ASSERT_FALSE(short_pk);
  EXPECT_EQ(short_pk.error().field, "AEGIS_MASTER_KEK_PUBLIC");
  unsetenv("AEGIS_MASTER_KEK");
  unsetenv("AEGIS_WRAPPED_PRIVATE_KEY");
  unsetenv("AEGIS_MASTER_KEK_PUBLIC");
}

}  // namespace
}  // namespace aegis
