// The KMS provider against a local HTTPS endpoint that speaks the KMS JSON protocol and
// recomputes every request's SigV4 signature with botocore, refusing a mismatch
// (tests/kek/kms_server.py; AWS KMS itself cannot be reached here). Round trip, the KMS error
// types, a timeout, TLS verification, and no secret in any error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../common/error_of.h"
#include "aegis/kek/kms.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAccessKey = "AKIDEXAMPLEAEGIS";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

class Kms : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("aegis_kms_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string port_file = (dir_ / "port").string();
    const std::string kms_server = aegis::test::source_dir() + "/tests/kek/kms_server.py";
    server_ = fork();
    if (server_ == 0) {
      execl("/usr/bin/python3", "python3", kms_server.c_str(), "--port-file", port_file.c_str(),
            "--dir", dir_.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream(port_file) >> port_;
    ASSERT_GT(port_, 0) << "the KMS endpoint did not start";
  }
  static void TearDownTestSuite() {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  static KmsSettings settings(std::string key = "alias/aegis-test") {
    KmsSettings s;
    s.kms_key_id = std::move(key);
    s.region = "us-east-1";
    s.endpoint = "https://127.0.0.1:" + std::to_string(port_);
    s.access_key_id = kAccessKey;
    s.secret_access_key = kSecretKey;
    s.ca_bundle = (dir_ / "ca.pem").string();
    s.timeout_ms = 5000;
    return s;
  }
  static std::unique_ptr<AWSKMSKEKProvider> provider(KmsSettings s = settings()) {
    auto p = AWSKMSKEKProvider::create(std::move(s));
    EXPECT_TRUE(p);
    return std::move(p).value();
  }
  static inline fs::path dir_;
  static inline pid_t server_ = 0;
  static inline int port_ = 0;
};

using testing::error_of;

void expect_no_secret(const Error& e) {
  EXPECT_EQ(e.message.find(kSecretKey), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("Signature="), std::string::npos) << e.message;
}

TEST_F(Kms, RoundTripThroughTheSignedApi) {
  auto p = provider();
  EXPECT_TRUE(p->configured());
  EXPECT_FALSE(p->self_test());
  const KekBytes secret(32, 0x42);
  const KekBytes blob = p->wrap(secret);
  EXPECT_NE(blob, secret);
  EXPECT_EQ(p->unwrap(blob), secret);
  EXPECT_EQ(p->metadata().provider_type, "kms");
  KekBytes forged = blob;
  forged[forged.size() - 1] ^= 1;
  const Error e = error_of([&] { p->unwrap(forged); });
  EXPECT_EQ(e.detail, "kek.unwrap_failed");
  EXPECT_NE(e.message.find("InvalidCiphertextException"), std::string::npos) << e.message;
}

TEST_F(Kms, KmsErrorTypesAreNamed) {
  const Error denied =
      error_of([&] { provider(settings("alias/aegis-denied"))->wrap(KekBytes(8, 1)); });
  EXPECT_EQ(denied.detail, "kek.kms.access_denied");
  EXPECT_NE(denied.message.find("AccessDeniedException"), std::string::npos) << denied.message;
  expect_no_secret(denied);
  const Error missing = error_of([&] { provider(settings("alias/nope"))->wrap(KekBytes(8, 1)); });
  EXPECT_EQ(missing.detail, "kek.kms.not_found");
  EXPECT_NE(missing.message.find("NotFoundException"), std::string::npos) << missing.message;
}

TEST_F(Kms, AWrongSecretKeyIsRefusedByTheSignatureCheck) {
  auto s = settings();
  s.secret_access_key = "not-the-secret-key-at-all";
  const Error e = error_of([&] { provider(s)->wrap(KekBytes(8, 1)); });
  EXPECT_EQ(e.detail, "kek.kms.credentials");
  EXPECT_NE(e.message.find("InvalidSignatureException"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("not-the-secret-key-at-all"), std::string::npos);
}

TEST_F(Kms, ASlowEndpointTimesOut) {
  auto s = settings("alias/aegis-slow");
  s.timeout_ms = 800;
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of([&] { provider(s)->wrap(KekBytes(8, 1)); });
  EXPECT_EQ(e.detail, "kek.kms.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(Kms, TheEndpointsCertificateIsVerified) {
  auto s = settings();
  s.ca_bundle.clear();  // the system's CAs do not know the test CA
  const Error e = error_of([&] { provider(s)->wrap(KekBytes(8, 1)); });
  EXPECT_EQ(e.detail, "kek.kms.tls");
  auto plain = settings();
  plain.endpoint = "http://127.0.0.1:" + std::to_string(port_);
  EXPECT_FALSE(AWSKMSKEKProvider::create(plain));  // never in the clear
}

TEST_F(Kms, UnconfiguredNamesWhatIsMissing) {
  KmsSettings s;
  s.kms_key_id = "alias/aegis-test";
  auto p = provider(s);
  EXPECT_FALSE(p->configured());
  const auto st = p->self_test();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->detail, "kek.not_configured");
  EXPECT_NE(st->message.find("AWS_REGION"), std::string::npos);
  EXPECT_NE(st->message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST_F(Kms, PrivateKeyFromTheWrappedBlob) {
  const auto sk = crypto::xwing::generate_private_key();
  auto s = settings();
  s.wrapped_private_key = provider()->wrap(sk);
  const auto pk = crypto::xwing::public_key(sk);
  s.public_key_bytes = KekBytes(pk.begin(), pk.end());
  auto p = provider(s);
  EXPECT_EQ(p->private_key(), sk);
  EXPECT_EQ(*p->public_key(), pk);
}

}  // namespace
}  // namespace aegis
