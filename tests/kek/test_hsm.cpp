// The PKCS#11 provider against a real SoftHSM2 token, made for each test process: a token
// initialised with softhsm2-util and an AES-256 key of known value imported with pkcs11-tool
// (OpenSC). Blobs are cross-checked with an independent RFC 5649 implementation (Python
// cryptography's aes_key_wrap_with_padding, same key value). ctest runs each test in its own
// process, so a login by one test cannot hide another's wrong PIN.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../common/error_of.h"
#include "aegis/crypto/encoding.h"
#include "aegis/kek/hsm.h"

namespace aegis {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLib = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "87654321";
const std::string kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return out;
}

class Hsm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("aegis_hsm_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tokens");
    std::ofstream(dir_ / "softhsm2.conf") << "directories.tokendir = " << (dir_ / "tokens").string()
                                          << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
    const auto key = crypto::from_hex(kKeyHex);
    std::ofstream(dir_ / "kek.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(key->data()),
               static_cast<std::streamsize>(key->size()));
    run("softhsm2-util --init-token --free --label aegis-test --so-pin 12345678 --pin " +
        std::string(kPin) + " 2>&1");
    run(std::string("pkcs11-tool --module ") + kLib + " --token-label aegis-test --login --pin " +
        kPin + " --write-object " + (dir_ / "kek.bin").string() +
        " --type secrkey --key-type AES:32 --label aegis-kek --usage-wrap 2>&1");
    fs::remove(dir_ / "kek.bin");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static HsmSettings settings() {
    HsmSettings s;
    s.pkcs11_lib = kLib;
    s.token_label = "aegis-test";
    s.pin = kPin;
    s.wrapping_key_label = "aegis-kek";
    return s;
  }
  static std::unique_ptr<HSMKEKProvider> provider(HsmSettings s = settings()) {
    auto p = HSMKEKProvider::create(std::move(s));
    EXPECT_TRUE(p);
    return std::move(p).value();
  }
  // Python cryptography's RFC 5649, under the same key value.
  static std::string py(const std::string& fn, const std::string& hex) {
    std::string out =
        run("/usr/bin/python3 -c \"import sys; from cryptography.hazmat.primitives."
            "keywrap import " +
            fn + " as f; print(f(bytes.fromhex('" + kKeyHex + "'), bytes.fromhex('" + hex +
            "')).hex())\"");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  static fs::path dir_;
};
fs::path Hsm::dir_;

using testing::error_of;

TEST_F(Hsm, RoundTripAndMechanism) {
  auto p = provider();
  EXPECT_TRUE(p->configured());
  EXPECT_FALSE(p->self_test()) << p->self_test()->message;
  const KekBytes secret(32, 0x42);
  const KekBytes wrapped = p->wrap(secret);
  EXPECT_EQ(wrapped.size(), 40u);
  EXPECT_EQ(p->unwrap(wrapped), secret);
  // SoftHSM2 2.6 lists 0x210A, not 0x210B.
  EXPECT_EQ(p->metadata().algorithm, "CKM_AES_KEY_WRAP_PAD (0x210A)");
  EXPECT_EQ(p->metadata().key_id, "aegis-test/aegis-kek");
}

TEST_F(Hsm, BlobsAgreeWithAnIndependentRfc5649) {
  auto p = provider();
  for (size_t n : {8u, 16u, 24u, 32u, 40u, 64u, 96u}) {
    KekBytes data(n);
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>(i * 31 + n);
    const std::string hex = crypto::to_hex(data);
    EXPECT_EQ(crypto::to_hex(p->wrap(data)), py("aes_key_wrap_with_padding", hex)) << n;
    const auto theirs = crypto::from_hex(py("aes_key_wrap_with_padding", hex));
    EXPECT_EQ(p->unwrap(*theirs), data) << n;
    EXPECT_EQ(py("aes_key_unwrap_with_padding", crypto::to_hex(p->wrap(data))), hex) << n;
  }
}

TEST_F(Hsm, OtherLengthsAreRefusedClearly) {
  auto p = provider();
  for (size_t n : {1u, 7u, 33u}) {
    const Error e = error_of([&] { p->wrap(KekBytes(n, 1)); });
    EXPECT_EQ(e.detail, "kek.hsm.length") << n;
    EXPECT_NE(e.message.find("multiples of 8"), std::string::npos) << e.message;
  }
  const Error e = error_of([&] { p->unwrap(KekBytes(40, 7)); });  // not a blob of this key
  EXPECT_EQ(e.detail, "kek.unwrap_failed");
}

TEST_F(Hsm, WrongPinIsNamedButNotShown) {
  auto s = settings();
  s.pin = "11112222";
  auto p = provider(s);
  const Error e = error_of([&] { p->wrap(KekBytes(32, 1)); });
  EXPECT_EQ(e.detail, "kek.hsm.login");
  EXPECT_NE(e.message.find("CKR_PIN_INCORRECT"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("11112222"), std::string::npos);
  const auto st = p->self_test();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->detail, "kek.hsm.login");
}

TEST_F(Hsm, UnknownTokenKeyOrLibrary) {
  auto s = settings();
  s.token_label = "no-such-token";
  EXPECT_EQ(error_of([&] { provider(s)->wrap(KekBytes(32, 1)); }).detail, "kek.hsm.token");
  s = settings();
  s.wrapping_key_label = "no-such-key";
  const Error key = error_of([&] { provider(s)->wrap(KekBytes(32, 1)); });
  EXPECT_EQ(key.detail, "kek.hsm.key");
  EXPECT_NE(key.message.find("no-such-key"), std::string::npos);
  s = settings();
  s.pkcs11_lib = "/nonexistent/libpkcs11.so";
  const Error lib = error_of([&] { provider(s)->wrap(KekBytes(32, 1)); });
  EXPECT_EQ(lib.detail, "kek.hsm.library");
  EXPECT_NE(lib.message.find("/nonexistent/libpkcs11.so"), std::string::npos);
  s = settings();
  s.pin.clear();
  auto unconfigured = provider(s);
  EXPECT_FALSE(unconfigured->configured());
  EXPECT_EQ(unconfigured->missing(), std::vector<std::string>{"AEGIS_HSM_PIN"});
}

TEST_F(Hsm, EightThreadsShareThePool) {
  auto p = provider();
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        KekBytes data(32, static_cast<uint8_t>(t * 16 + i % 16));
        if (p->unwrap(p->wrap(data)) != data) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(Hsm, PrivateKeyFromTheWrappedBlob) {
  const auto sk = crypto::xwing::generate_private_key();
  auto first = provider();
  auto s = settings();
  s.wrapped_private_key = first->wrap(sk);
  const auto pk = crypto::xwing::public_key(sk);
  s.public_key_bytes = KekBytes(pk.begin(), pk.end());
  auto p = provider(s);
  EXPECT_EQ(p->private_key(), sk);
  EXPECT_EQ(*p->public_key(), pk);
  EXPECT_EQ(error_of([&] { first->private_key(); }).detail, "kek.no_private_key");
}

}  // namespace
}  // namespace aegis
