#include "aegis/telemetry/encryption.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <new>

#include "aegis/core/json.h"
#include "aegis/crypto/encoding.h"
#include "aegis/telemetry/errors.h"
#include "aegis/telemetry/telemetry.h"

namespace aegis {
namespace {

constexpr std::string_view kInfo = "aegis-telemetry-v1";
constexpr std::string_view kExportContext = "aegis-telemetry-v1 event key";

crypto::hpke::View view(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

EventEncryptor::EventEncryptor(const crypto::xwing::PublicKey& recipient, Epoch epoch)
    : recipient_(recipient), policy_(epoch) {}

Result<std::unique_ptr<EventEncryptor>> EventEncryptor::from_text_or_bytes(std::string_view key,
                                                                           std::string_view field,
                                                                           Epoch epoch) {
  crypto::Bytes bytes(key.begin(), key.end());
  if (bytes.size() != crypto::xwing::kPublicKeySize) {
    auto decoded = crypto::from_base64(key);
    if (!decoded)
      return Error(
          errors::kTelemetryEncryptionKey, std::string(field),
          std::string(field) + " must be an X-Wing public key: 1216 bytes or their base64");
    bytes = std::move(*decoded);
  }
  if (bytes.size() != crypto::xwing::kPublicKeySize)
    return Error(errors::kTelemetryEncryptionKey, std::string(field),
                 std::string(field) + " must be an X-Wing public key of 1216 bytes, not " +
                     std::to_string(bytes.size()));
  crypto::xwing::PublicKey pk;
  std::memcpy(pk.data(), bytes.data(), pk.size());
  // A key whose ML-KEM half is malformed is refused now, not at the first event.
  if (!crypto::hpke::SenderContext::setup(pk, view(kInfo)))
    return Error(errors::kTelemetryEncryptionKey, std::string(field),
                 std::string(field) +
                     " is not a valid X-Wing public key (its ML-KEM-768 "
                     "half fails the FIPS 203 encapsulation key check)");
  return std::make_unique<EventEncryptor>(pk, epoch);
}

EventEncryptor::~EventEncryptor() { OPENSSL_cleanse(key_, sizeof key_); }

void EventEncryptor::new_epoch() {
  context_ = crypto::hpke::SenderContext::setup(recipient_, view(kInfo));
  if (!context_)
    throw_error(
        Error{errors::kTelemetryEncryptionSetup, "", "the telemetry encryption key was refused"});
  const crypto::hpke::Bytes key = context_->export_secret(view(kExportContext), 32);
  std::memcpy(key_, key.data(), 32);
  OPENSSL_cleanse(const_cast<uint8_t*>(key.data()), key.size());
  enc_b64_ = crypto::to_base64(context_->enc().data(), context_->enc().size());
  used_ = 0;
  opened_ = std::chrono::steady_clock::now();
  ++epochs_;
}

void EventEncryptor::seal(TelemetryEvent& event) {
  nlohmann::json personal = nlohmann::json::object();
  personal["agent_id"] = std::move(event.agent_id);
  personal["session_id"] = std::move(event.session_id);
  event.agent_id.clear();
  event.session_id.clear();
  if (event.payload.is_object())
    for (const char* f : kPersonalPayloadFields)
      if (auto it = event.payload.find(f); it != event.payload.end()) {
        personal[f] = std::move(*it);
        event.payload.erase(it);
      }
  std::string plain = personal.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  uint8_t nonce[12];
  if (RAND_bytes(nonce, sizeof nonce) != 1) throw std::bad_alloc();
  crypto::hpke::Bytes ct;
  std::string enc;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (!context_ || used_ >= policy_.max_events ||
        std::chrono::steady_clock::now() - opened_ >= policy_.max_age)
      new_epoch();
    ++used_;
    ct = crypto::hpke::aes256gcm_seal(key_, nonce, view(event.event_id), view(plain));
    enc = enc_b64_;
  }
  OPENSSL_cleanse(plain.data(), plain.size());
  event.encrypted = nlohmann::json{{"alg", kTelemetryEncryptionAlg},
                                   {"enc", std::move(enc)},
                                   {"nonce", crypto::to_base64(nonce, sizeof nonce)},
                                   {"ct", crypto::to_base64(ct.data(), ct.size())}};
}

uint64_t EventEncryptor::epochs() const {
  std::lock_guard<std::mutex> g(lock_);
  return epochs_;
}

EventDecryptor::EventDecryptor(const crypto::xwing::PrivateKey& recipient)
    : recipient_(recipient) {}

EventDecryptor::~EventDecryptor() {
  OPENSSL_cleanse(recipient_.data(), recipient_.size());
  OPENSSL_cleanse(key_, sizeof key_);
}

Result<nlohmann::json> EventDecryptor::decrypt(const nlohmann::json& event) {
  if (!event.is_object())
    return Error(errors::kTelemetryEvent, "", "an event must be a JSON object");
  const auto it = event.find("encrypted");
  if (it == event.end()) return event;
  const nlohmann::json& e = *it;
  auto text = [&](const char* k) -> std::optional<std::string> {
    if (!e.is_object() || !e.contains(k) || !e[k].is_string()) return std::nullopt;
    return e[k].get<std::string>();
  };
  if (text("alg") != std::string(kTelemetryEncryptionAlg))
    return Error(errors::kTelemetryEncrypted, "encrypted.alg",
                 std::string("encrypted.alg must be \"") + kTelemetryEncryptionAlg + "\"");
  const auto enc_text = text("enc");
  const auto enc = enc_text ? crypto::from_base64(*enc_text) : std::nullopt;
  const auto nonce = text("nonce") ? crypto::from_base64(*text("nonce")) : std::nullopt;
  const auto ct = text("ct") ? crypto::from_base64(*text("ct")) : std::nullopt;
  if (!enc || enc->size() != crypto::xwing::kCiphertextSize)
    return Error(errors::kTelemetryEncrypted, "encrypted.enc",
                 "encrypted.enc must be base64 of 1120 bytes");
  if (!nonce || nonce->size() != 12)
    return Error(errors::kTelemetryEncrypted, "encrypted.nonce",
                 "encrypted.nonce must be base64 of 12 bytes");
  if (!ct) return Error(errors::kTelemetryEncrypted, "encrypted.ct", "encrypted.ct must be base64");
  const std::string event_id = event.value("event_id", "");
  if (*enc_text != last_enc_) {
    crypto::xwing::Ciphertext c;
    std::memcpy(c.data(), enc->data(), c.size());
    auto ctx = crypto::hpke::RecipientContext::setup(recipient_, c, view(kInfo));
    const crypto::hpke::Bytes key = ctx.export_secret(view(kExportContext), 32);
    std::memcpy(key_, key.data(), 32);
    OPENSSL_cleanse(const_cast<uint8_t*>(key.data()), key.size());
    last_enc_ = *enc_text;
  }
  auto plain = crypto::hpke::aes256gcm_open(key_, nonce->data(), view(event_id), *ct);
  if (!plain)
    return Error(errors::kTelemetryEncrypted, "encrypted.ct",
                 "event " + event_id +
                     " does not decrypt: the wrong private key, or the "
                     "event or its ciphertext was changed");
  nlohmann::json personal;
  try {
    personal = nlohmann::json::parse(plain->begin(), plain->end());
  } catch (const nlohmann::json::exception&) {
    return Error(errors::kTelemetryEncrypted, "encrypted.ct", "the decrypted fields are not JSON");
  }
  OPENSSL_cleanse(plain->data(), plain->size());
  nlohmann::json out = event;
  out.erase("encrypted");
  for (auto& [k, v] : personal.items()) {
    if (k == "agent_id" || k == "session_id")
      out[k] = v;
    else
      out["payload"][k] = v;
  }
  return out;
}

std::optional<Error> EventDecryptor::decrypt_text(
    std::string_view text, const std::function<void(const nlohmann::json&)>& out) {
  auto decrypt_value = [&](const nlohmann::json& v) -> Result<nlohmann::json> {
    if (!v.is_array()) return decrypt(v);
    nlohmann::json all = nlohmann::json::array();
    for (const auto& e : v) {
      auto d = decrypt(e);
      if (!d) return d.error();
      all.push_back(std::move(d).value());
    }
    return all;
  };
  if (auto whole = read_json(text, {.max_bytes = text.size() + 1}); whole) {
    auto d = decrypt_value(whole.value());
    if (!d) return d.error();
    out(d.value());
    return std::nullopt;
  }
  size_t n = 0;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto v = read_json(line);
    auto d = v ? decrypt_value(v.value()) : Result<nlohmann::json>(v.error());
    if (!d) {
      Error e = d.error();
      e.message = "line " + std::to_string(n) + ": " + e.message;
      return e;
    }
    out(d.value());
  }
  return std::nullopt;
}

}  // namespace aegis
