// RFC 9180 §5 (key schedule), §5.2 (encryption), §5.3 (secret export), §6.1 (single shot), in
// base mode (mode 0, no PSK). X-Wing is used as the KEM directly: its shared secret is the
// KEM's (draft-connolly-cfrg-xwing-kem-10 §"Use in HPKE"), enc is its ciphertext.
#include "aegis/crypto/hpke.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <new>
#include <stdexcept>
#include <string_view>

namespace aegis::crypto::hpke {
namespace {

// "HPKE" ‖ kem_id ‖ kdf_id ‖ aead_id.
constexpr uint8_t kSuiteId[10] = {'H', 'P', 'K', 'E', 0x64, 0x7A, 0x00, 0x01, 0x00, 0x02};
constexpr std::string_view kVersion = "HPKE-v1";

View text(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

void append(Bytes& out, View v) { out.insert(out.end(), v.begin(), v.end()); }

void hmac(View key, View data, uint8_t out[32]) {
  unsigned int len = 0;
  static const uint8_t kEmpty = 0;
  if (!HMAC(EVP_sha256(), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
            data.data(), data.size(), out, &len) ||
      len != 32)
    throw std::bad_alloc();
}

// LabeledExtract(salt, label, ikm) = HMAC(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm).
void labeled_extract(View salt, std::string_view label, View ikm, uint8_t prk[32]) {
  Bytes m;
  append(m, text(kVersion));
  append(m, kSuiteId);
  append(m, text(label));
  append(m, ikm);
  hmac(salt, m, prk);
  OPENSSL_cleanse(m.data(), m.size());
}

// LabeledExpand(prk, label, info, L) = HKDF-Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖
// label ‖ info, L).
void labeled_expand(const uint8_t prk[32], std::string_view label, View info, uint8_t* out,
                    size_t length) {
  if (length > 255 * 32) throw std::length_error("HPKE export length over 255·32 bytes");
  Bytes labeled = {static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)};
  append(labeled, text(kVersion));
  append(labeled, kSuiteId);
  append(labeled, text(label));
  append(labeled, info);
  uint8_t t[32];
  size_t done = 0;
  Bytes block;
  for (uint8_t i = 1; done < length; ++i) {
    block.clear();
    if (i > 1) append(block, View(t, 32));
    append(block, labeled);
    block.push_back(i);
    hmac(View(prk, 32), block, t);
    const size_t n = std::min<size_t>(32, length - done);
    std::memcpy(out + done, t, n);
    done += n;
  }
  OPENSSL_cleanse(t, sizeof t);
  OPENSSL_cleanse(block.data(), block.size());
}

KeySchedule key_schedule(const uint8_t shared_secret[32], View info) {
  uint8_t psk_id_hash[32], info_hash[32], secret[32];
  labeled_extract({}, "psk_id_hash", {}, psk_id_hash);
  labeled_extract({}, "info_hash", info, info_hash);
  uint8_t context[65];
  context[0] = 0;  // mode_base
  std::memcpy(context + 1, psk_id_hash, 32);
  std::memcpy(context + 33, info_hash, 32);
  labeled_extract(View(shared_secret, 32), "secret", {}, secret);
  KeySchedule ks;
  labeled_expand(secret, "key", context, ks.key.data(), ks.key.size());
  labeled_expand(secret, "base_nonce", context, ks.base_nonce.data(), ks.base_nonce.size());
  labeled_expand(secret, "exp", context, ks.exporter_secret.data(), ks.exporter_secret.size());
  OPENSSL_cleanse(secret, sizeof secret);
  return ks;
}

void nonce_for(const KeySchedule& ks, uint64_t seq, uint8_t nonce[12]) {
  std::memcpy(nonce, ks.base_nonce.data(), 12);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
}

Bytes export_from(const KeySchedule& ks, View exporter_context, size_t length) {
  Bytes out(length);
  labeled_expand(ks.exporter_secret.data(), "sec", exporter_context, out.data(), length);
  return out;
}

void wipe(KeySchedule& ks) { OPENSSL_cleanse(&ks, sizeof ks); }

}  // namespace

Bytes aes256gcm_seal(const uint8_t key[32], const uint8_t nonce[12], View aad, View plaintext) {
  Bytes out(plaintext.size() + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, tail = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, nonce) == 1 &&
      (aad.empty() ||
       EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
      EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, out.data() + len, &tail) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + plaintext.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::bad_alloc();
  return out;
}

std::optional<Bytes> aes256gcm_open(const uint8_t key[32], const uint8_t nonce[12], View aad,
                                    View ciphertext) {
  if (ciphertext.size() < 16) return std::nullopt;
  const size_t n = ciphertext.size() - 16;
  Bytes out(n);
  uint8_t tag[16];
  std::memcpy(tag, ciphertext.data() + n, 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) throw std::bad_alloc();
  int len = 0, tail = 0;
  const bool ok =
      EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, nonce) == 1 &&
      (aad.empty() ||
       EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
      EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(), static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx, out.data() + len, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

std::optional<SenderContext> SenderContext::setup(const xwing::PublicKey& recipient, View info,
                                                  const uint8_t* eseed) {
  auto encap = eseed ? xwing::encapsulate(recipient, eseed) : xwing::encapsulate(recipient);
  if (!encap) return std::nullopt;
  SenderContext c;
  c.enc_ = encap->ciphertext;
  c.ks_ = key_schedule(encap->shared_secret.data(), info);
  OPENSSL_cleanse(encap->shared_secret.data(), encap->shared_secret.size());
  return c;
}

SenderContext::~SenderContext() { wipe(ks_); }
SenderContext::SenderContext(SenderContext&& o) noexcept : enc_(o.enc_), ks_(o.ks_), seq_(o.seq_) {
  wipe(o.ks_);
}
SenderContext& SenderContext::operator=(SenderContext&& o) noexcept {
  if (this != &o) {
    enc_ = o.enc_;
    ks_ = o.ks_;
    seq_ = o.seq_;
    wipe(o.ks_);
  }
  return *this;
}

Bytes SenderContext::seal(View aad, View plaintext) {
  if (seq_ == UINT64_MAX) throw std::overflow_error("HPKE message limit reached");
  uint8_t nonce[12];
  nonce_for(ks_, seq_++, nonce);
  return aes256gcm_seal(ks_.key.data(), nonce, aad, plaintext);
}

Bytes SenderContext::export_secret(View exporter_context, size_t length) const {
  return export_from(ks_, exporter_context, length);
}

RecipientContext RecipientContext::setup(const xwing::PrivateKey& recipient,
                                         const xwing::Ciphertext& enc, View info) {
  auto ss = xwing::decapsulate(recipient, enc);
  RecipientContext c;
  c.ks_ = key_schedule(ss.data(), info);
  OPENSSL_cleanse(ss.data(), ss.size());
  return c;
}

RecipientContext::~RecipientContext() { wipe(ks_); }
RecipientContext::RecipientContext(RecipientContext&& o) noexcept : ks_(o.ks_), seq_(o.seq_) {
  wipe(o.ks_);
}
RecipientContext& RecipientContext::operator=(RecipientContext&& o) noexcept {
  if (this != &o) {
    ks_ = o.ks_;
    seq_ = o.seq_;
    wipe(o.ks_);
  }
  return *this;
}

std::optional<Bytes> RecipientContext::open(View aad, View ciphertext) {
  uint8_t nonce[12];
  nonce_for(ks_, seq_, nonce);
  auto pt = aes256gcm_open(ks_.key.data(), nonce, aad, ciphertext);
  if (pt) ++seq_;  // RFC 9180 §5.2: the sequence advances only on success
  return pt;
}

Bytes RecipientContext::export_secret(View exporter_context, size_t length) const {
  return export_from(ks_, exporter_context, length);
}

std::optional<Sealed> seal(const xwing::PublicKey& recipient, View info, View aad, View plaintext) {
  auto ctx = SenderContext::setup(recipient, info);
  if (!ctx) return std::nullopt;
  return Sealed{ctx->enc(), ctx->seal(aad, plaintext)};
}

std::optional<Bytes> open(const xwing::PrivateKey& recipient, const xwing::Ciphertext& enc,
                          View info, View aad, View ciphertext) {
  return RecipientContext::setup(recipient, enc, info).open(aad, ciphertext);
}

}  // namespace aegis::crypto::hpke
