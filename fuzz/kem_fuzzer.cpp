// libFuzzer target over what key management decodes from outside: X-Wing decapsulation of any
// ciphertext, ML-KEM-768 encapsulation-key checks, HPKE open of any enc and ciphertext, the
// `encrypted` object of a telemetry event, RFC 5649 unwrap, and base64/hex text. The first byte
// picks the target. Nothing may crash, and decapsulation must be deterministic.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "aegis/core/json.h"
#include "aegis/crypto/encoding.h"
#include "aegis/crypto/hpke.h"
#include "aegis/crypto/mlkem768.h"
#include "aegis/kek/kek.h"
#include "aegis/telemetry/encryption.h"

using namespace aegis;

namespace {

const crypto::xwing::PrivateKey& fixed_key() {
  static const crypto::xwing::PrivateKey sk = [] {
    crypto::xwing::PrivateKey k;
    for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 3 + 1);
    return k;
  }();
  return sk;
}

template <size_t N>
std::array<uint8_t, N> take(const uint8_t* data, size_t size) {
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), data, std::min(size, N));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 5;
  ++data;
  --size;
  switch (mode) {
    case 0: {
      const auto ct = take<crypto::xwing::kCiphertextSize>(data, size);
      if (crypto::xwing::decapsulate(fixed_key(), ct) !=
          crypto::xwing::decapsulate(fixed_key(), ct))
        std::abort();
      break;
    }
    case 1: {
      if (crypto::mlkem768::check_encapsulation_key(data, size)) {
        crypto::mlkem768::EncapsulationKey ek;
        std::memcpy(ek.data(), data, ek.size());
        const uint8_t m[32] = {7};
        crypto::mlkem768::Ciphertext c;
        crypto::mlkem768::SharedSecret k;
        if (!crypto::mlkem768::encapsulate(ek, m, &c, &k)) std::abort();  // checked: must work
      }
      break;
    }
    case 2: {
      const auto enc = take<crypto::xwing::kCiphertextSize>(data, size);
      const size_t rest = size > enc.size() ? size - enc.size() : 0;
      const crypto::hpke::View ct(data + (size - rest), rest);
      if (crypto::hpke::open(fixed_key(), enc, {}, {}, ct)) std::abort();  // forged: never opens
      break;
    }
    case 3: {
      auto j = read_json(std::string_view(reinterpret_cast<const char*>(data), size));
      if (j) {
        EventDecryptor open(fixed_key());
        (void)open.decrypt(j.value());
      }
      break;
    }
    case 4: {
      const uint8_t key[32] = {1, 2, 3};
      (void)aes_kwp_unwrap(key, std::span<const uint8_t>(data, size));
      const std::string_view text(reinterpret_cast<const char*>(data), size);
      if (auto b = crypto::from_base64(text); b && crypto::to_base64(*b) != text) std::abort();
      if (auto h = crypto::from_hex(text)) (void)h->size();
      break;
    }
  }
  return 0;
}
