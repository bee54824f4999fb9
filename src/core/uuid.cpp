#include "uuid.h"

#include <openssl/rand.h>

#include "aegis/error.h"

namespace aegis::detail {

std::string new_uuid_v4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    throw_error(Error{ErrorKind::kInternal, "uuid.random", "", "the random generator failed"});
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  size_t o = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;
    s[o++] = kHex[b[i] >> 4];
    s[o++] = kHex[b[i] & 0xF];
  }
  return s;
}

}  // namespace aegis::detail
