// Key management under the reference's names: get_kek_provider, KEKProvider and its providers,
// KEKMetadata, the availability flags; and HybridKEM (X-Wing) and HPKE on bytes.
#include <openssl/crypto.h>
#include <pybind11/stl.h>

#include <cstring>

#include "aegis/crypto/errors.h"
#include "aegis/crypto/hpke.h"
#include "aegis/crypto/xwing.h"
#include "aegis/kek/errors.h"
#include "aegis/kek/hsm.h"
#include "aegis/kek/kek.h"
#include "aegis/kek/kms.h"
#include "aegis/telemetry/encryption.h"
#include "bindings.h"
#include "errors.h"

namespace aegis::python {
namespace {

// bytes, bytearray or memoryview → bytes; ValueError naming `field` otherwise.
KekBytes bytes_of(const py::handle& value, const char* field) {
  if (py::isinstance<py::bytes>(value)) {
    const std::string_view s = value.cast<std::string_view>();
    return KekBytes(s.begin(), s.end());
  }
  if (py::isinstance<py::bytearray>(value) || py::isinstance<py::memoryview>(value)) {
    const py::buffer_info info = py::reinterpret_borrow<py::buffer>(value).request();
    const auto* p = static_cast<const uint8_t*>(info.ptr);
    return KekBytes(p, p + info.size * info.itemsize);
  }
  throw InvalidInputError(
      Error(errors::kPythonBytes, field,
            std::string(field) + " must be bytes, not " +
                py::str(value.get_type().attr("__name__")).cast<std::string>()));
}

template <size_t N>
std::array<uint8_t, N> fixed(const py::handle& value, const char* field) {
  KekBytes b = bytes_of(value, field);
  if (b.size() != N)
    throw InvalidInputError(Error(errors::kPythonBytes, field,
                                  std::string(field) + " must be " + std::to_string(N) +
                                      " bytes, not " + std::to_string(b.size())));
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), b.data(), N);
  OPENSSL_cleanse(b.data(), b.size());
  return out;
}

template <class A>
py::bytes to_bytes(const A& a) {
  return py::bytes(reinterpret_cast<const char*>(a.data()), a.size());
}

std::optional<KekBytes> optional_bytes(const py::object& v, const char* field) {
  if (v.is_none()) return std::nullopt;
  return bytes_of(v, field);
}

template <class T>
std::unique_ptr<T> unwrap_result(Result<std::unique_ptr<T>> r) {
  if (!r) throw_error(r.error());
  return std::move(r).value();
}

}  // namespace

void bind_kek(py::module_& m) {
  py::class_<KEKMetadata>(m, "KEKMetadata", "Which KEK a provider uses.")
      .def(py::init<std::string, std::string, std::string>(), py::arg("provider_type"),
           py::arg("key_id"), py::arg("algorithm"))
      .def_readwrite("provider_type", &KEKMetadata::provider_type)
      .def_readwrite("key_id", &KEKMetadata::key_id)
      .def_readwrite("algorithm", &KEKMetadata::algorithm);

  py::class_<KEKProvider>(m, "KEKProvider",
                          "A key-encryption key: wrap/unwrap bytes, and the HybridKEM key pair it "
                          "protects (the private key unwrapped on demand, never logged).")
      .def(
          "wrap",
          [](KEKProvider& p, const py::object& plaintext) {
            KekBytes in = bytes_of(plaintext, "plaintext");
            KekBytes out;
            {
              py::gil_scoped_release free;
              out = p.wrap(in);
            }
            OPENSSL_cleanse(in.data(), in.size());
            return to_bytes(out);
          },
          py::arg("plaintext"))
      .def(
          "unwrap",
          [](KEKProvider& p, const py::object& wrapped) {
            const KekBytes in = bytes_of(wrapped, "wrapped");
            KekBytes out;
            {
              py::gil_scoped_release free;
              out = p.unwrap(in);
            }
            py::bytes b = to_bytes(out);
            OPENSSL_cleanse(out.data(), out.size());
            return b;
          },
          py::arg("wrapped"))
      .def("metadata", &KEKProvider::metadata)
      .def(
          "public_key",
          [](const KEKProvider& p) -> py::object {
            if (!p.public_key()) return py::none();
            return to_bytes(*p.public_key());
          },
          "The HybridKEM public key (1216 bytes; AEGIS_MASTER_KEK_PUBLIC), or None.")
      .def(
          "private_key",
          [](KEKProvider& p) {
            crypto::xwing::PrivateKey sk;
            {
              py::gil_scoped_release free;
              sk = p.private_key();
            }
            py::bytes b = to_bytes(sk);
            OPENSSL_cleanse(sk.data(), sk.size());
            return b;
          },
          "The HybridKEM private key (32 bytes), unwrapped from the provider's blob.")
      .def("is_configured", &KEKProvider::configured)
      .def("missing", &KEKProvider::missing)
      .def(
          "self_test",
          [](KEKProvider& p) {
            std::optional<Error> e;
            {
              py::gil_scoped_release free;
              e = p.self_test();
            }
            if (e) throw_error(*e);
            return true;
          },
          "A wrap/unwrap round trip: True, or raises naming why not.");

  py::class_<InMemoryKEKProvider, KEKProvider>(m, "InMemoryKEKProvider",
                                               "A random AES-256 KEK for this process.")
      .def(py::init([](const py::object& private_key) {
             if (private_key.is_none()) return std::make_unique<InMemoryKEKProvider>();
             auto sk = fixed<32>(private_key, "private_key");
             auto p = std::make_unique<InMemoryKEKProvider>(sk);
             OPENSSL_cleanse(sk.data(), sk.size());
             return p;
           }),
           py::arg("private_key") = py::none());

  py::class_<EnvironmentKEKProvider, KEKProvider>(
      m, "EnvironmentKEKProvider",
      "The KEK from AEGIS_MASTER_KEK, the wrapped key from AEGIS_WRAPPED_PRIVATE_KEY.")
      .def(py::init([] { return unwrap_result(EnvironmentKEKProvider::from_environment()); }))
      .def_static("from_environment",
                  [] { return unwrap_result(EnvironmentKEKProvider::from_environment()); });

  py::class_<HSMKEKProvider, KEKProvider>(m, "HSMKEKProvider",
                                          "A wrapping key on a PKCS#11 token (session pool).")
      .def(py::init([](std::string pkcs11_lib, std::string token_label, std::string pin,
                       std::string wrapping_key_label, const py::object& wrapped_private_key,
                       const py::object& public_key_bytes, int64_t pool_size) {
             if (pool_size < 1)
               throw InvalidInputError(
                   Error(errors::kKekHsmPoolSize, "pool_size", "pool_size must be at least 1"));
             HsmSettings s{std::move(pkcs11_lib),
                           std::move(token_label),
                           std::move(pin),
                           std::move(wrapping_key_label),
                           optional_bytes(wrapped_private_key, "wrapped_private_key"),
                           optional_bytes(public_key_bytes, "public_key_bytes"),
                           static_cast<size_t>(pool_size)};
             return unwrap_result(HSMKEKProvider::create(std::move(s)));
           }),
           py::arg("pkcs11_lib"), py::arg("token_label"), py::arg("pin"),
           py::arg("wrapping_key_label"), py::arg("wrapped_private_key") = py::none(),
           py::arg("public_key_bytes") = py::none(), py::arg("pool_size") = 4)
      .def_static("from_environment",
                  [] { return unwrap_result(HSMKEKProvider::from_environment()); });

  py::class_<AWSKMSKEKProvider, KEKProvider>(
      m, "AWSKMSKEKProvider",
      "AWS KMS Encrypt/Decrypt (SigV4); credentials, region and endpoint from the AWS variables.")
      .def(py::init([](std::string kms_key_id, const py::object& wrapped_private_key,
                       const py::object& public_key_bytes) {
             KmsSettings s;
             s.kms_key_id = std::move(kms_key_id);
             s.wrapped_private_key = optional_bytes(wrapped_private_key, "wrapped_private_key");
             s.public_key_bytes = optional_bytes(public_key_bytes, "public_key_bytes");
             AWSKMSKEKProvider::read_aws_environment(s);
             return unwrap_result(AWSKMSKEKProvider::create(std::move(s)));
           }),
           py::arg("kms_key_id"), py::arg("wrapped_private_key") = py::none(),
           py::arg("public_key_bytes") = py::none())
      .def_static("from_environment",
                  [] { return unwrap_result(AWSKMSKEKProvider::from_environment()); });

  m.def(
      "get_kek_provider",
      [](const std::string& provider_type) {
        Result<std::unique_ptr<KEKProvider>> r = [&] {
          py::gil_scoped_release free;
          return get_kek_provider(provider_type);
        }();
        if (!r) {
          Error e = r.error();
          // The reference raises RuntimeError for a provider it cannot give.
          if (e.detail != errors::kKekProvider.detail) throw InternalError(e);
          throw_error(e);
        }
        return std::move(r).value();
      },
      py::arg("provider_type") = "auto",
      "The first configured of kms → hsm → environment → in_memory, or the one named (which must "
      "be configured and working; RuntimeError naming what is missing otherwise).");
  m.attr("KMS_KEK_AVAILABLE") = kKmsKekAvailable;
  m.attr("HSM_KEK_AVAILABLE") = kHsmKekAvailable;
  m.attr("HYBRID_KEM_AVAILABLE") = kHybridKemAvailable;

  // HybridKEM = X-Wing, as static methods on bytes.
  struct HybridKEM {};
  py::class_<HybridKEM>(m, "HybridKEM",
                        "X-Wing (draft-connolly-cfrg-xwing-kem-10): ML-KEM-768 + X25519.")
      .def_static(
          "generate_keypair",
          [] {
            auto sk = crypto::xwing::generate_private_key();
            const auto pk = crypto::xwing::public_key(sk);
            py::tuple t = py::make_tuple(to_bytes(sk), to_bytes(pk));
            OPENSSL_cleanse(sk.data(), sk.size());
            return t;
          },
          "(private_key: 32 bytes, public_key: 1216 bytes)")
      .def_static(
          "public_key",
          [](const py::object& private_key) {
            auto sk = fixed<32>(private_key, "private_key");
            const auto pk = crypto::xwing::public_key(sk);
            OPENSSL_cleanse(sk.data(), sk.size());
            return to_bytes(pk);
          },
          py::arg("private_key"))
      .def_static(
          "encapsulate",
          [](const py::object& public_key, const py::object& eseed) {
            const auto pk = fixed<crypto::xwing::kPublicKeySize>(public_key, "public_key");
            std::optional<crypto::xwing::Encapsulation> e;
            if (eseed.is_none()) {
              e = crypto::xwing::encapsulate(pk);
            } else {
              auto seed = fixed<64>(eseed, "eseed");
              e = crypto::xwing::encapsulate(pk, seed.data());
              OPENSSL_cleanse(seed.data(), seed.size());
            }
            if (!e)
              throw InvalidInputError(
                  Error(errors::kKemPublicKey, "public_key",
                        "not an X-Wing public key: its ML-KEM-768 half fails the FIPS 203 check"));
            py::tuple t = py::make_tuple(to_bytes(e->ciphertext), to_bytes(e->shared_secret));
            OPENSSL_cleanse(e->shared_secret.data(), e->shared_secret.size());
            return t;
          },
          py::arg("public_key"), py::arg("eseed") = py::none(),
          "(ciphertext: 1120 bytes, shared_secret: 32 bytes)")
      .def_static(
          "decapsulate",
          [](const py::object& private_key, const py::object& ciphertext) {
            auto sk = fixed<32>(private_key, "private_key");
            const auto ct = fixed<crypto::xwing::kCiphertextSize>(ciphertext, "ciphertext");
            auto ss = crypto::xwing::decapsulate(sk, ct);
            OPENSSL_cleanse(sk.data(), sk.size());
            py::bytes b = to_bytes(ss);
            OPENSSL_cleanse(ss.data(), ss.size());
            return b;
          },
          py::arg("private_key"), py::arg("ciphertext"));

  m.def(
      "hpke_seal",
      [](const py::object& public_key, const py::object& plaintext, const py::object& info,
         const py::object& aad) {
        const auto pk = fixed<crypto::xwing::kPublicKeySize>(public_key, "public_key");
        const KekBytes pt = bytes_of(plaintext, "plaintext"), i = bytes_of(info, "info"),
                       a = bytes_of(aad, "aad");
        auto sealed = crypto::hpke::seal(pk, i, a, pt);
        if (!sealed)
          throw InvalidInputError(
              Error(errors::kKemPublicKey, "public_key", "not an X-Wing public key"));
        return py::make_tuple(to_bytes(sealed->enc), to_bytes(sealed->ct));
      },
      py::arg("public_key"), py::arg("plaintext"), py::arg("info") = py::bytes(""),
      py::arg("aad") = py::bytes(""),
      "HPKE (RFC 9180) base mode, X-Wing / HKDF-SHA256 / AES-256-GCM: (enc, ciphertext).");
  m.def(
      "hpke_open",
      [](const py::object& private_key, const py::object& enc, const py::object& ciphertext,
         const py::object& info, const py::object& aad) {
        auto sk = fixed<32>(private_key, "private_key");
        const auto e = fixed<crypto::xwing::kCiphertextSize>(enc, "enc");
        const KekBytes ct = bytes_of(ciphertext, "ciphertext"), i = bytes_of(info, "info"),
                       a = bytes_of(aad, "aad");
        auto pt = crypto::hpke::open(sk, e, i, a, ct);
        OPENSSL_cleanse(sk.data(), sk.size());
        if (!pt)
          throw InvalidInputError(Error(errors::kHpkeOpen, "ciphertext",
                                        "the ciphertext does not open with this key, info "
                                        "and aad (tampered, or another recipient's)"));
        return to_bytes(*pt);
      },
      py::arg("private_key"), py::arg("enc"), py::arg("ciphertext"),
      py::arg("info") = py::bytes(""), py::arg("aad") = py::bytes(""));
  m.def(
      "decrypt_telemetry_event",
      [](const py::object& event, const py::object& private_key) {
        auto sk = fixed<32>(private_key, "private_key");
        EventDecryptor open(sk);
        OPENSSL_cleanse(sk.data(), sk.size());
        auto r = open.decrypt(to_json(event, "event"));
        if (!r) throw_error(r.error());
        return from_json(r.value());
      },
      py::arg("event"), py::arg("private_key"),
      "An event as sent, with its encrypted personal fields restored.");
}

}  // namespace aegis::python
