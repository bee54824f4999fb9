// The KEKProvider base, RFC 5649 through OpenSSL, and the in-memory and environment providers.
#include "aegis/kek/kek.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "aegis/crypto/encoding.h"
#include "aegis/kek/errors.h"

namespace aegis {
namespace {

[[noreturn]] void fail(const ErrorCode& code, std::string message) {
  throw_error(Error(code, "", std::move(message)));
}

std::optional<KekBytes> kwp(const uint8_t key[32], std::span<const uint8_t> in, bool wrap) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) throw std::bad_alloc();
  EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  KekBytes out(in.size() + 16);
  int len = 0, tail = 0;
  const bool ok =
      (wrap ? EVP_EncryptInit_ex(ctx, EVP_aes_256_wrap_pad(), nullptr, key, nullptr)
            : EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap_pad(), nullptr, key, nullptr)) == 1 &&
      (wrap ? EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()))
            : EVP_DecryptUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size()))) ==
          1 &&
      (wrap ? EVP_EncryptFinal_ex(ctx, out.data() + len, &tail)
            : EVP_DecryptFinal_ex(ctx, out.data() + len, &tail)) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

}  // namespace

KekBytes aes_kwp_wrap(const uint8_t key[32], std::span<const uint8_t> plaintext) {
  if (plaintext.empty()) fail(errors::kKekEmpty, "there is nothing to wrap (0 bytes)");
  auto out = kwp(key, plaintext, true);
  if (!out) throw std::bad_alloc();
  return std::move(*out);
}

std::optional<KekBytes> aes_kwp_unwrap(const uint8_t key[32], std::span<const uint8_t> wrapped) {
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) return std::nullopt;
  return kwp(key, wrapped, false);
}

Error kek_not_configured(std::string_view provider, const std::vector<std::string>& missing) {
  std::string names;
  for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
  return Error(errors::kKekNotConfigured, missing.empty() ? "" : missing.front(),
               std::string(provider) + " provider is not configured: missing " + names);
}

std::optional<Error> KEKProvider::self_test() {
  if (const auto m = missing(); !m.empty()) return kek_not_configured(metadata().provider_type, m);
  uint8_t probe[32];
  if (RAND_bytes(probe, sizeof probe) != 1) throw std::bad_alloc();
  try {
    const KekBytes back = unwrap(wrap(std::span<const uint8_t>(probe, sizeof probe)));
    if (back.size() != sizeof probe || std::memcmp(back.data(), probe, sizeof probe) != 0)
      return Error{errors::kKekSelfTest, "",
                   metadata().provider_type + " provider: unwrap did not return what was wrapped"};
  } catch (const AegisError& e) {
    return e.error();
  }
  return std::nullopt;
}

crypto::xwing::PrivateKey KEKProvider::private_key() {
  if (wrapped_private_key_.empty())
    fail(errors::kKekNoPrivateKey,
         "no configured provider holds the HybridKEM private key (the " + metadata().provider_type +
             " provider has no wrapped private key" +
             (wrapped_private_key_source_.empty() ? "" : "; set " + wrapped_private_key_source_) +
             ")");
  KekBytes plain = unwrap(wrapped_private_key_);
  if (plain.size() != crypto::xwing::kPrivateKeySize) {
    OPENSSL_cleanse(plain.data(), plain.size());
    fail(errors::kKekBadPrivateKey, "the wrapped private key unwraps to " +
                                        std::to_string(plain.size()) + " bytes, not 32 (" +
                                        wrapped_private_key_source_ + ")");
  }
  crypto::xwing::PrivateKey sk;
  std::memcpy(sk.data(), plain.data(), sk.size());
  OPENSSL_cleanse(plain.data(), plain.size());
  return sk;
}

Result<crypto::xwing::PublicKey> KEKProvider::parse_public_key(std::span<const uint8_t> bytes,
                                                               std::string_view field) {
  if (bytes.size() != crypto::xwing::kPublicKeySize)
    return Error(errors::kKekPublicKey, std::string(field),
                 std::string(field) + " must be an X-Wing public key of 1216 bytes, not " +
                     std::to_string(bytes.size()));
  crypto::xwing::PublicKey pk;
  std::memcpy(pk.data(), bytes.data(), pk.size());
  return pk;
}

// --- in memory ------------------------------------------------------------------------------

InMemoryKEKProvider::InMemoryKEKProvider() {
  if (RAND_priv_bytes(kek_, sizeof kek_) != 1) throw std::bad_alloc();
}

InMemoryKEKProvider::InMemoryKEKProvider(const crypto::xwing::PrivateKey& private_key)
    : InMemoryKEKProvider() {
  wrapped_private_key_ = wrap(private_key);
  public_key_ = crypto::xwing::public_key(private_key);
}

InMemoryKEKProvider::~InMemoryKEKProvider() { OPENSSL_cleanse(kek_, sizeof kek_); }

KekBytes InMemoryKEKProvider::wrap(std::span<const uint8_t> plaintext) {
  return aes_kwp_wrap(kek_, plaintext);
}

KekBytes InMemoryKEKProvider::unwrap(std::span<const uint8_t> wrapped) {
  auto out = aes_kwp_unwrap(kek_, wrapped);
  if (!out)
    fail(errors::kKekUnwrapFailed,
         "the blob was not wrapped by this in-memory KEK (RFC 5649 integrity check failed)");
  return std::move(*out);
}

KEKMetadata InMemoryKEKProvider::metadata() const {
  return {"in_memory", "in-memory", "AES-256-KWP (RFC 5649)"};
}

// --- environment ----------------------------------------------------------------------------

namespace {

// A base64 variable, or nullopt when unset or empty; an error when not base64.
Result<std::optional<KekBytes>> base64_variable(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::optional<KekBytes>();
  auto b = crypto::from_base64(v);
  if (!b)
    return Error(errors::kKekEnvironment, name,
                 std::string(name) + " is not base64 (RFC 4648, padded)");
  return std::optional<KekBytes>(std::move(*b));
}

}  // namespace

Result<std::unique_ptr<EnvironmentKEKProvider>> EnvironmentKEKProvider::from_environment() {
  std::unique_ptr<EnvironmentKEKProvider> p(new EnvironmentKEKProvider());
  auto kek = base64_variable("AEGIS_MASTER_KEK");
  if (!kek) return kek.error();
  if (auto& k = kek.value()) {
    if (k->size() != 32) {
      OPENSSL_cleanse(k->data(), k->size());
      return Error(errors::kKekEnvironment, "AEGIS_MASTER_KEK",
                   "AEGIS_MASTER_KEK must be 32 bytes (base64), not " + std::to_string(k->size()));
    }
    std::memcpy(p->kek_, k->data(), 32);
    OPENSSL_cleanse(k->data(), k->size());
    p->has_kek_ = true;
    uint8_t h[SHA256_DIGEST_LENGTH];
    SHA256(p->kek_, 32, h);
    p->key_id_ = "env:" + crypto::to_hex(h, 8);
  }
  auto wrapped = base64_variable("AEGIS_WRAPPED_PRIVATE_KEY");
  if (!wrapped) return wrapped.error();
  if (wrapped.value()) p->wrapped_private_key_ = std::move(*wrapped.value());
  p->wrapped_private_key_source_ = "AEGIS_WRAPPED_PRIVATE_KEY";
  auto pub = base64_variable("AEGIS_MASTER_KEK_PUBLIC");
  if (!pub) return pub.error();
  if (pub.value()) {
    auto pk = parse_public_key(*pub.value(), "AEGIS_MASTER_KEK_PUBLIC");
    if (!pk) return pk.error();
    p->public_key_ = pk.value();
  }
  return p;
}

EnvironmentKEKProvider::~EnvironmentKEKProvider() { OPENSSL_cleanse(kek_, sizeof kek_); }

std::vector<std::string> EnvironmentKEKProvider::missing() const {
  if (has_kek_) return {};
  return {"AEGIS_MASTER_KEK"};
}

KekBytes EnvironmentKEKProvider::wrap(std::span<const uint8_t> plaintext) {
  if (!has_kek_) throw_error(kek_not_configured("environment", missing()));
  return aes_kwp_wrap(kek_, plaintext);
}

KekBytes EnvironmentKEKProvider::unwrap(std::span<const uint8_t> wrapped) {
  if (!has_kek_) throw_error(kek_not_configured("environment", missing()));
  auto out = aes_kwp_unwrap(kek_, wrapped);
  if (!out)
    fail(errors::kKekUnwrapFailed,
         "the blob was not wrapped by the KEK in AEGIS_MASTER_KEK (RFC 5649 integrity check "
         "failed)");
  return std::move(*out);
}

KEKMetadata EnvironmentKEKProvider::metadata() const {
  return {"environment", key_id_.empty() ? "env:unset" : key_id_, "AES-256-KWP (RFC 5649)"};
}

std::optional<Error> write_environment_file(const ProvisionedKey& key, const std::string& path) {
  auto b64 = [](const auto& bytes) { return crypto::to_base64(bytes.data(), bytes.size()); };
  const std::string lines = "export " + key.wrapped_variable + "=" + b64(key.wrapped_private_key) +
                            "\nexport AEGIS_MASTER_KEK_PUBLIC=" + b64(key.public_key) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error(errors::kKekEnvFile, "output",
                 path + ": cannot create (" + std::strerror(errno) +
                     "); an existing file is never overwritten");
  const bool ok = ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()) &&
                  ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!ok || !closed) {
    ::unlink(path.c_str());
    return Error{errors::kKekEnvFileWrite, "output", path + ": write failed"};
  }
  return std::nullopt;
}

}  // namespace aegis
