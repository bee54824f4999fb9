// BIP-340, BIP-341 tweak, bech32/bech32m (BIP-173/350) and BIP-322 against the official vectors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aegis/crypto/bip322.h"
#include "tests/common/paths.h"

namespace aegis::crypto {
namespace {

std::string data_file(const std::string& name) {
  std::ifstream in(aegis::test::data_dir() + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <size_t N>
std::array<uint8_t, N> arr(const std::string& hex) {
  auto b = from_hex(hex);
  std::array<uint8_t, N> a{};
  if (b && b->size() == N) std::copy(b->begin(), b->end(), a.begin());
  return a;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

TEST(Bip340, OfficialVectors) {
  std::istringstream csv(data_file("bip340-test-vectors.csv"));
  std::string line;
  std::getline(csv, line);  // header
  int rows = 0, signed_rows = 0;
  while (std::getline(csv, line)) {
    if (line.empty()) continue;
    const auto f = split_csv(line);
    ASSERT_GE(f.size(), 7u) << line;
    const std::string& seckey = f[1];
    const auto pub = arr<32>(f[2]);
    const auto msg = from_hex(f[4]).value();
    const auto sig = arr<64>(f[5]);
    const bool expected = f[6] == "TRUE";
    ++rows;
    if (!seckey.empty()) {
      const auto sk_bytes = from_hex(seckey).value();
      const auto sk = SecretKey::from_bytes(sk_bytes.data(), sk_bytes.size());
      ASSERT_TRUE(sk.has_value()) << "row " << f[0];
      EXPECT_EQ(sk->public_key(), pub) << "row " << f[0];
      const Signature64 made = schnorr_sign(*sk, msg.data(), msg.size(), arr<32>(f[3]));
      EXPECT_EQ(made, sig) << "row " << f[0];
      ++signed_rows;
    }
    EXPECT_EQ(schnorr_verify(pub, sig, msg.data(), msg.size()), expected) << "row " << f[0];
  }
  EXPECT_EQ(rows, 19);
  EXPECT_GE(signed_rows, 5);
}

TEST(Bip340, SignVerifyRoundTripAndTamper) {
  const SecretKey sk = SecretKey::generate();
  const std::string m = "override";
  auto sig = schnorr_sign(sk, reinterpret_cast<const uint8_t*>(m.data()), m.size());
  EXPECT_TRUE(
      schnorr_verify(sk.public_key(), sig, reinterpret_cast<const uint8_t*>(m.data()), m.size()));
  sig[10] ^= 1;
  EXPECT_FALSE(
      schnorr_verify(sk.public_key(), sig, reinterpret_cast<const uint8_t*>(m.data()), m.size()));
  const uint8_t zero[32] = {};
  EXPECT_FALSE(SecretKey::from_bytes(zero, 32).has_value());
  EXPECT_FALSE(SecretKey::from_bytes(zero, 31).has_value());
}

TEST(Bech32, Bip350SegwitAddresses) {
  const auto j = nlohmann::json::parse(data_file("bip350-addresses.json"));
  for (const auto& v : j["valid"]) {
    const std::string addr = v[0];
    std::string why;
    const auto a = decode_segwit_address(addr, &why);
    ASSERT_TRUE(a.has_value()) << addr << ": " << why;
    EXPECT_EQ(to_hex(script_pubkey(*a)), v[1].get<std::string>()) << addr;
    std::string lower = addr;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(encode_segwit_address(*a), lower);
  }
  for (const auto& v : j["invalid"]) {
    EXPECT_FALSE(decode_segwit_address(v.get<std::string>()).has_value()) << v;
  }
}

TEST(Encoding, StrictBase64AndHex) {
  EXPECT_EQ(to_base64(Bytes{'f', 'o', 'o', 'b'}), "Zm9vYg==");
  EXPECT_EQ(from_base64("Zm9vYg==").value(), (Bytes{'f', 'o', 'o', 'b'}));
  EXPECT_EQ(from_base64("").value(), Bytes{});
  for (const char* bad : {"Zm9vYg=", "Zm9vYh==", "Zm9v Yg==", "Zm9vYg=a", "Zm=vYg==", "Zm9v\n",
                          "====", "Zm9vYmE=X", "-_8="}) {
    EXPECT_FALSE(from_base64(bad).has_value()) << bad;
  }
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
  EXPECT_EQ(from_hex("0aFF").value(), (Bytes{0x0a, 0xff}));
}

TEST(Bip322, TxHashes) {
  const auto j = nlohmann::json::parse(data_file("bip322-basic-test-vectors.json"));
  ASSERT_FALSE(j["tx_hashes"].empty());
  for (const auto& v : j["tx_hashes"]) {
    const std::string msg = v["message"];
    const auto a = decode_segwit_address(v["address"].get<std::string>()).value();
    EXPECT_EQ(to_hex(bip322_message_hash(msg).data(), 32), v["message_hash"].get<std::string>());
    EXPECT_EQ(txid_hex(bip322_to_spend_txid(script_pubkey(a), msg)),
              v["to_spend_tx_hash"].get<std::string>());
    EXPECT_EQ(txid_hex(bip322_to_sign_txid(script_pubkey(a), msg)),
              v["to_sign_tx_hash"].get<std::string>());
  }
}

TEST(Bip322, P2trVectors) {
  int valid = 0, errors = 0;
  for (const char* file :
       {"bip322-basic-test-vectors.json", "bip322-generated-test-vectors.json"}) {
    const auto j = nlohmann::json::parse(data_file(file));
    for (const auto& v : j["simple"]) {
      if (v["type"] != "p2tr") continue;
      for (const auto& sig : v["bip322_signatures"]) {
        EXPECT_EQ(
            bip322_verify_with_address(v["address"].get<std::string>(),
                                       v["message"].get<std::string>(), sig.get<std::string>()),
            Bip322Error::kValid)
            << file << " " << v["message"];
        ++valid;
      }
    }
    for (const auto& v : j["error"]) {
      const std::string addr = v["address"];
      if (addr.rfind("bc1p", 0) != 0) continue;
      const Bip322Error e = bip322_verify_with_address(addr, v["message"].get<std::string>(),
                                                       v["signature"].get<std::string>());
      EXPECT_NE(e, Bip322Error::kValid) << v["description"];
      if (v["signature"].get<std::string>().rfind("ful", 0) == 0) {
        EXPECT_EQ(e, Bip322Error::kFullFormat) << v["description"];
      } else {
        EXPECT_EQ(e, Bip322Error::kInvalidSignature) << v["description"];
      }
      ++errors;
    }
  }
  EXPECT_EQ(valid, 2);  // one unprefixed (legacy) form, one "smp" form
  EXPECT_GE(errors, 7);
}

TEST(Bip322, SignVerifyRoundTrip) {
  const SecretKey sk = SecretKey::generate();
  const XOnlyKey p = sk.public_key();
  const std::string sig = bip322_sign_simple(sk, "a1b2c3");
  EXPECT_EQ(sig.rfind("smp", 0), 0u);
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c3", sig), Bip322Error::kValid);
  EXPECT_EQ(bip322_verify_with_address(*p2tr_address(p), "a1b2c3", sig), Bip322Error::kValid);
  // The legacy unprefixed form of the same witness verifies too.
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c3", sig.substr(3)), Bip322Error::kValid);
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c4", sig), Bip322Error::kInvalidSignature);
  // The untweaked key is not the output key: verifying under P directly must fail.
  EXPECT_EQ(bip322_verify_simple(p, "a1b2c3", sig), Bip322Error::kInvalidSignature);
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c3", "smp!!"), Bip322Error::kBadEncoding);
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c3", "pof" + sig.substr(3)),
            Bip322Error::kProofOfFunds);
  // A 65-byte (sighash-type) or two-item witness is refused.
  auto w = from_base64(sig.substr(3)).value();
  Bytes longer = {0x01, 0x41};
  longer.insert(longer.end(), w.begin() + 2, w.end());
  longer.push_back(0x01);
  EXPECT_EQ(bip322_verify_with_internal_key(p, "a1b2c3", "smp" + to_base64(longer)),
            Bip322Error::kBadWitness);
  EXPECT_EQ(bip322_verify_with_address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "x", sig),
            Bip322Error::kUnsupportedAddress);
}

}  // namespace
}  // namespace aegis::crypto
