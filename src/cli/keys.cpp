// `aegis kem keygen|public-key|encapsulate|decapsulate`, `aegis kek status|wrap|unwrap|provision`
// and `aegis telemetry decrypt`: JSON out, bytes as base64, private keys only in key files.
#include <openssl/crypto.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "aegis/crypto/encoding.h"
#include "aegis/crypto/errors.h"
#include "aegis/crypto/keyfile.h"
#include "aegis/crypto/xwing.h"
#include "aegis/kek/kek.h"
#include "aegis/telemetry/encryption.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

using nlohmann::json;

void print(const json& j) {
  std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
}

template <class A>
std::string b64(const A& a) {
  return crypto::to_base64(a.data(), a.size());
}

template <size_t N>
Result<std::array<uint8_t, N>> fixed_base64(const std::string& text, const char* field) {
  auto b = crypto::from_base64(text);
  if (!b || b->size() != N)
    return Error(errors::kCliBase64, field,
                 std::string("--") + field + " must be base64 of " + std::to_string(N) + " bytes" +
                     (b ? ", not " + std::to_string(b->size()) : ""));
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), b->data(), N);
  return out;
}

Result<crypto::xwing::PrivateKey> read_kem_key(const std::string& path) {
  auto k = crypto::read_key_bytes(path, crypto::KeyKind::kXWing);
  if (!k) return k.error();
  crypto::xwing::PrivateKey sk;
  std::memcpy(sk.data(), k.value().data(), sk.size());
  OPENSSL_cleanse(k.value().data(), k.value().size());
  return sk;
}

Result<std::unique_ptr<KEKProvider>> provider(const std::string& type) {
  return get_kek_provider(type);
}

}  // namespace

int run_kem_keygen(const std::string& output) {
  auto sk = crypto::xwing::generate_private_key();
  crypto::KeyBytes bytes;
  std::memcpy(bytes.data(), sk.data(), bytes.size());
  auto written = crypto::write_key_bytes(output, bytes, crypto::KeyKind::kXWing);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  const auto pk = crypto::xwing::public_key(sk);
  OPENSSL_cleanse(sk.data(), sk.size());
  if (!written) return report_error(written.error());
  print({{"public_key", b64(pk)}, {"key_file", output}});
  return 0;
}

int run_kem_public_key(const std::string& key_file) {
  auto sk = read_kem_key(key_file);
  if (!sk) return report_error(sk.error());
  const auto pk = crypto::xwing::public_key(sk.value());
  OPENSSL_cleanse(sk.value().data(), sk.value().size());
  print({{"public_key", b64(pk)}});
  return 0;
}

int run_kem_encapsulate(const std::string& public_key,
                        const std::optional<std::string>& eseed_hex) {
  auto pk = fixed_base64<crypto::xwing::kPublicKeySize>(public_key, "public-key");
  if (!pk) return report_error(pk.error());
  std::optional<crypto::xwing::Encapsulation> enc;
  if (eseed_hex) {
    auto eseed = crypto::from_hex(*eseed_hex);
    if (!eseed || eseed->size() != 64)
      return report_error(
          Error(errors::kCliHex, "eseed-hex", "--eseed-hex must be 64 bytes as 128 hex digits"));
    enc = crypto::xwing::encapsulate(pk.value(), eseed->data());
    OPENSSL_cleanse(eseed->data(), eseed->size());
  } else {
    enc = crypto::xwing::encapsulate(pk.value());
  }
  if (!enc)
    return report_error(Error(errors::kKemPublicKey, "public-key",
                              "not an X-Wing public key: its ML-KEM-768 half fails the "
                              "FIPS 203 encapsulation key check"));
  print({{"ciphertext", b64(enc->ciphertext)}, {"shared_secret", b64(enc->shared_secret)}});
  OPENSSL_cleanse(enc->shared_secret.data(), enc->shared_secret.size());
  return 0;
}

int run_kem_decapsulate(const std::string& key_file, const std::string& ciphertext) {
  auto ct = fixed_base64<crypto::xwing::kCiphertextSize>(ciphertext, "ciphertext");
  if (!ct) return report_error(ct.error());
  auto sk = read_kem_key(key_file);
  if (!sk) return report_error(sk.error());
  auto ss = crypto::xwing::decapsulate(sk.value(), ct.value());
  OPENSSL_cleanse(sk.value().data(), sk.value().size());
  print({{"shared_secret", b64(ss)}});
  OPENSSL_cleanse(ss.data(), ss.size());
  return 0;
}

int run_kek_status() {
  print(kek_status_json());
  return 0;
}

int run_kek_wrap(const std::string& type, const std::optional<std::string>& input,
                 const std::optional<std::string>& kem_key_file) {
  if (input.has_value() == kem_key_file.has_value())
    return report_error(
        Error(errors::kCliUsage, "input", "give one of -i FILE and --kem-key-file"));
  KekBytes plain;
  if (input) {
    auto text = read_input(*input, 1u << 20);
    if (!text) return report_error(text.error());
    plain.assign(text.value().begin(), text.value().end());
    OPENSSL_cleanse(text.value().data(), text.value().size());
  } else {
    auto sk = read_kem_key(*kem_key_file);
    if (!sk) return report_error(sk.error());
    plain.assign(sk.value().begin(), sk.value().end());
    OPENSSL_cleanse(sk.value().data(), sk.value().size());
  }
  auto p = provider(type);
  if (!p) return report_error(p.error());
  try {
    const KekBytes wrapped = p.value()->wrap(plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    const KEKMetadata m = p.value()->metadata();
    print({{"wrapped", b64(wrapped)}, {"provider", m.provider_type}, {"key_id", m.key_id}});
  } catch (const AegisError& e) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return report_error(e.error());
  }
  return 0;
}

int run_kek_unwrap(const std::string& type, const std::string& wrapped) {
  auto blob = crypto::from_base64(wrapped);
  if (!blob) return report_error(Error(errors::kCliBase64, "wrapped", "--wrapped must be base64"));
  auto p = provider(type);
  if (!p) return report_error(p.error());
  try {
    KekBytes plain = p.value()->unwrap(*blob);
    print({{"plaintext", b64(plain)}});
    OPENSSL_cleanse(plain.data(), plain.size());
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  return 0;
}

int run_kek_provision(const std::string& type, const std::string& output) {
  auto p = provider(type);
  if (!p) return report_error(p.error());
  auto made = provision_hybrid_key(*p.value());
  if (!made) return report_error(made.error());
  const ProvisionedKey& k = made.value();
  if (auto e = write_environment_file(k, output)) return report_error(*e);
  print({{"provider", k.metadata.provider_type},
         {"key_id", k.metadata.key_id},
         {"public_key", b64(k.public_key)},
         {"env_file", output},
         {"environment",
          {{k.wrapped_variable, b64(k.wrapped_private_key)},
           {"AEGIS_MASTER_KEK_PUBLIC", b64(k.public_key)}}}});
  return 0;
}

int run_telemetry_decrypt(const std::string& type, const std::string& input) {
  auto text = read_input(input, 256u << 20);
  if (!text) return report_error(text.error());
  auto p = provider(type);
  if (!p) return report_error(p.error());
  std::optional<EventDecryptor> open;
  try {
    auto sk = p.value()->private_key();
    open.emplace(sk);
    OPENSSL_cleanse(sk.data(), sk.size());
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  if (auto e = open->decrypt_text(text.value(), [](const json& d) { print(d); }))
    return report_error(*e);
  return 0;
}

}  // namespace aegis::cli
