// libFuzzer target for everything that decodes outside text in the override path: base64 and
// hex, segwit addresses, custodian keys and BIP-322 signatures. Any crash, sanitizer report or
// abort() is a finding; so is an input that verifies.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aegis/crypto/bip322.h"
#include "aegis/workflow/override.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aegis;
  const std::string in(reinterpret_cast<const char*>(data), size);
  // Canonical base64 round-trips exactly.
  if (auto b = crypto::from_base64(in)) {
    if (crypto::to_base64(*b) != in) std::abort();
  }
  if (auto h = crypto::from_hex(in)) {
    if (crypto::from_hex(crypto::to_hex(*h)) != h) std::abort();
  }
  if (auto a = crypto::decode_segwit_address(in)) {
    const auto again = crypto::encode_segwit_address(*a);
    if (!again || crypto::decode_segwit_address(*again)->program != a->program) std::abort();
  }
  (void)parse_custodian_key(in);
  // A random signature must never verify for a fixed key and message.
  static const crypto::XOnlyKey key = crypto::SecretKey::generate().public_key();
  if (crypto::bip322_verify_with_internal_key(key, "fuzz", in) == crypto::Bip322Error::kValid)
    std::abort();
  (void)crypto::bip322_verify_with_address(in, "fuzz", "smpAUA=");
  return 0;
}
