// ML-KEM-768 against NIST ACVP (FIPS 203 keyGen and encapDecap, both revisions, with the
// encapsulation and decapsulation key checks) and Wycheproof (keygen from seed, encapsulation
// with unreduced keys, decapsulation with modified and malleable ciphertexts, semi-expanded keys).
// The extracts in tests/data/ name their sources (repository, path, commit, sha256).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "aegis/crypto/encoding.h"
#include "aegis/crypto/mlkem768.h"
#include "tests/common/paths.h"

namespace aegis::crypto {
namespace {

using nlohmann::json;

json load(const std::string& name) {
  std::ifstream in(aegis::test::data_dir() + "/" + name);
  return json::parse(in);
}

Bytes bytes(const json& hex) {
  auto b = from_hex(hex.get<std::string>());
  EXPECT_TRUE(b) << hex;
  return b.value_or(Bytes{});
}

template <size_t N>
bool fill(const json& hex, std::array<uint8_t, N>* out) {
  const Bytes b = bytes(hex);
  if (b.size() != N) return false;
  std::memcpy(out->data(), b.data(), N);
  return true;
}

template <class A>
std::string hex_of(const A& a) {
  return to_hex(a.data(), a.size());
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(MlKem768, AcvpKeyGen) {
  const json doc = load("mlkem768_acvp_keygen.json");
  ASSERT_EQ(doc["tests"].size(), 25u);
  for (const auto& t : doc["tests"]) {
    const Bytes d = bytes(t["d"]), z = bytes(t["z"]);
    mlkem768::EncapsulationKey ek;
    mlkem768::DecapsulationKey dk;
    mlkem768::keygen(d.data(), z.data(), &ek, &dk);
    EXPECT_EQ(hex_of(ek), lower(t["ek"])) << t["tcId"];
    EXPECT_EQ(hex_of(dk), lower(t["dk"])) << t["tcId"];
  }
}

TEST(MlKem768, AcvpEncapsulationAndDecapsulation) {
  const json doc = load("mlkem768_acvp_encapdecap.json");
  ASSERT_EQ(doc["encapsulation"].size(), 50u);
  for (const auto& t : doc["encapsulation"]) {
    mlkem768::EncapsulationKey ek;
    ASSERT_TRUE(fill(t["ek"], &ek));
    const Bytes m = bytes(t["m"]);
    mlkem768::Ciphertext c;
    mlkem768::SharedSecret k;
    ASSERT_TRUE(mlkem768::encapsulate(ek, m.data(), &c, &k)) << t["tcId"];
    EXPECT_EQ(hex_of(c), lower(t["c"])) << t["tcId"];
    EXPECT_EQ(hex_of(k), lower(t["k"])) << t["tcId"];
  }
  // Valid and modified ciphertexts: the modified ones yield the implicit-rejection key.
  ASSERT_EQ(doc["decapsulation"].size(), 40u);
  for (const auto& t : doc["decapsulation"]) {
    mlkem768::DecapsulationKey dk;
    mlkem768::Ciphertext c;
    ASSERT_TRUE(fill(t["dk"], &dk));
    ASSERT_TRUE(fill(t["c"], &c));
    mlkem768::SharedSecret k;
    mlkem768::decapsulate(dk, c, &k);
    EXPECT_EQ(hex_of(k), lower(t["k"])) << t["revision"] << " " << t["tcId"] << " " << t["reason"];
  }
}

TEST(MlKem768, AcvpKeyChecks) {
  const json doc = load("mlkem768_acvp_encapdecap.json");
  ASSERT_EQ(doc["ek_check"].size(), 20u);
  for (const auto& t : doc["ek_check"]) {
    const Bytes ek = bytes(t["ek"]);
    EXPECT_EQ(mlkem768::check_encapsulation_key(ek.data(), ek.size()), t["testPassed"].get<bool>())
        << t["tcId"];
    // This ACVP release's rejected keys are the valid key with bytes appended (they test only
    // the length); the extract adds the key it meant: the first coefficient set to q + 1.
    if (t.contains("ek_intended_derived")) {
      const Bytes meant = bytes(t["ek_intended_derived"]);
      EXPECT_FALSE(mlkem768::check_encapsulation_key(meant.data(), meant.size())) << t["tcId"];
    }
  }
  ASSERT_EQ(doc["dk_check"].size(), 20u);
  for (const auto& t : doc["dk_check"]) {
    mlkem768::DecapsulationKey dk;
    ASSERT_TRUE(fill(t["dk"], &dk));
    EXPECT_EQ(mlkem768::check_decapsulation_key(dk), t["testPassed"].get<bool>()) << t["tcId"];
  }
}

TEST(MlKem768, WycheproofKeyGenFromSeed) {
  const json doc = load("mlkem768_wycheproof_keygen.json");
  size_t n = 0;
  for (const auto& [name, file] : doc["files"].items()) {
    for (const auto& t : file["tests"]) {
      const Bytes seed = bytes(t["seed"]);
      ASSERT_EQ(seed.size(), 64u);
      mlkem768::EncapsulationKey ek;
      mlkem768::DecapsulationKey dk;
      mlkem768::keygen(seed.data(), seed.data() + 32, &ek, &dk);
      EXPECT_EQ(hex_of(ek), lower(t["ek"])) << t["tcId"];
      EXPECT_EQ(hex_of(dk), lower(t["dk"])) << t["tcId"];
      ++n;
    }
  }
  EXPECT_EQ(n, 100u);
}

TEST(MlKem768, WycheproofEncapsulation) {
  const json doc = load("mlkem768_wycheproof_encaps.json");
  size_t valid = 0, refused = 0;
  for (const auto& [name, file] : doc["files"].items()) {
    for (const auto& t : file["tests"]) {
      const Bytes ek = bytes(t["ek"]), m = bytes(t["m"]);
      const bool ok = mlkem768::check_encapsulation_key(ek.data(), ek.size());
      if (t["result"] == "invalid") {
        EXPECT_FALSE(ok) << t["tcId"] << " " << t["comment"];
        refused += !ok;
        continue;
      }
      ASSERT_TRUE(ok) << t["tcId"];
      mlkem768::EncapsulationKey key;
      std::memcpy(key.data(), ek.data(), key.size());
      mlkem768::Ciphertext c;
      mlkem768::SharedSecret k;
      ASSERT_TRUE(mlkem768::encapsulate(key, m.data(), &c, &k));
      EXPECT_EQ(hex_of(c), lower(t["c"])) << t["tcId"];
      EXPECT_EQ(hex_of(k), lower(t["K"])) << t["tcId"];
      ++valid;
    }
  }
  EXPECT_EQ(valid, 133u);
  EXPECT_EQ(refused, 132u);
}

// Decapsulation from a seed (mlkem_768_test) and from an expanded key (semi-expanded): valid
// cases give K (the implicit-rejection key for bit-flipped, random and malleable ciphertexts);
// invalid ones have a length our fixed-size types cannot hold, or a key that fails its check.
TEST(MlKem768, WycheproofDecapsulation) {
  const json doc = load("mlkem768_wycheproof.json");
  size_t decapsulated = 0, refused = 0;
  for (const auto& [name, file] : doc["files"].items()) {
    for (const auto& t : file["tests"]) {
      const Bytes c = bytes(t["c"]);
      mlkem768::DecapsulationKey dk;
      bool key_ok;
      if (t.contains("seed")) {
        const Bytes seed = bytes(t["seed"]);
        key_ok = seed.size() == 64;
        if (key_ok) {
          mlkem768::EncapsulationKey ek;
          mlkem768::keygen(seed.data(), seed.data() + 32, &ek, &dk);
          if (t.contains("ek") && !t["ek"].get<std::string>().empty()) {
            EXPECT_EQ(hex_of(ek), lower(t["ek"])) << t["tcId"];
          }
        }
      } else {
        key_ok = fill(t["dk"], &dk) && mlkem768::check_decapsulation_key(dk);
      }
      const bool usable = key_ok && c.size() == mlkem768::kCiphertextSize;
      if (t["result"] == "invalid") {
        EXPECT_FALSE(usable) << name << " " << t["tcId"] << " " << t["comment"];
        refused += !usable;
        continue;
      }
      ASSERT_TRUE(usable) << name << " " << t["tcId"];
      mlkem768::Ciphertext ct;
      std::memcpy(ct.data(), c.data(), ct.size());
      mlkem768::SharedSecret k;
      mlkem768::decapsulate(dk, ct, &k);
      EXPECT_EQ(hex_of(k), lower(t["K"])) << name << " " << t["tcId"] << " " << t["comment"];
      ++decapsulated;
    }
  }
  EXPECT_EQ(decapsulated, 156u);
  EXPECT_EQ(refused, 46u);
}

}  // namespace
}  // namespace aegis::crypto
