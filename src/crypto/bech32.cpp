#include "aegis/crypto/bech32.h"

#include <cctype>

namespace aegis::crypto {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1, kBech32mConst = 0x2bc830a3;

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if (top >> i & 1) chk ^= kGen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> r;
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) >> 5);
  r.push_back(0);
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) & 31);
  return r;
}

// Regroups bits; `pad` adds zero bits at the end when encoding. False on invalid padding.
bool convert_bits(const std::vector<uint8_t>& in, int from, int to, bool pad, Bytes& out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    if (v >> from) return false;
    acc = acc << from | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<uint8_t>(acc >> bits & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<uint8_t>(acc << (to - bits) & maxv));
  } else if (bits >= from || (acc << (to - bits) & maxv)) {
    return false;
  }
  return true;
}

bool fail(std::string* why, const char* reason) {
  if (why) *why = reason;
  return false;
}

}  // namespace

std::optional<SegwitAddress> decode_segwit_address(std::string_view addr, std::string* why) {
  if (addr.size() < 8 || addr.size() > 90) return fail(why, "bad length"), std::nullopt;
  bool lower = false, upper = false;
  for (char c : addr) {
    if (c < 33 || c > 126) return fail(why, "invalid character"), std::nullopt;
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
  }
  if (lower && upper) return fail(why, "mixed case"), std::nullopt;
  std::string s(addr);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t sep = s.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > s.size())
    return fail(why, "missing separator or checksum"), std::nullopt;
  const std::string hrp = s.substr(0, sep);
  if (hrp != "bc" && hrp != "tb" && hrp != "bcrt")
    return fail(why, "unknown network prefix"), std::nullopt;
  std::vector<uint8_t> data;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::char_traits<char>::find(kCharset, 32, s[i]);
    if (!p) return fail(why, "invalid character"), std::nullopt;
    data.push_back(static_cast<uint8_t>(p - kCharset));
  }
  std::vector<uint8_t> check = hrp_expand(hrp);
  check.insert(check.end(), data.begin(), data.end());
  const uint32_t residue = polymod(check);
  if (residue != kBech32Const && residue != kBech32mConst)
    return fail(why, "bad checksum"), std::nullopt;
  SegwitAddress out;
  out.hrp = hrp;
  out.version = data[0];
  if (out.version > 16) return fail(why, "bad witness version"), std::nullopt;
  const uint32_t expected = out.version == 0 ? kBech32Const : kBech32mConst;
  if (residue != expected)
    return fail(why, "wrong checksum variant for the witness version"), std::nullopt;
  const std::vector<uint8_t> payload(data.begin() + 1, data.end() - 6);
  if (!convert_bits(payload, 5, 8, false, out.program))
    return fail(why, "bad padding"), std::nullopt;
  if (out.program.size() < 2 || out.program.size() > 40)
    return fail(why, "bad program length"), std::nullopt;
  if (out.version == 0 && out.program.size() != 20 && out.program.size() != 32)
    return fail(why, "bad v0 program length"), std::nullopt;
  return out;
}

std::optional<std::string> encode_segwit_address(const SegwitAddress& a) {
  if (a.version < 0 || a.version > 16 || a.program.size() < 2 || a.program.size() > 40)
    return std::nullopt;
  if (a.version == 0 && a.program.size() != 20 && a.program.size() != 32) return std::nullopt;
  Bytes data;
  data.reserve(1 + (a.program.size() * 8 + 4) / 5);
  data.push_back(static_cast<uint8_t>(a.version));
  convert_bits(a.program, 8, 5, true, data);
  std::vector<uint8_t> check = hrp_expand(a.hrp);
  check.insert(check.end(), data.begin(), data.end());
  check.insert(check.end(), 6, 0);
  const uint32_t mod = polymod(check) ^ (a.version == 0 ? kBech32Const : kBech32mConst);
  std::string s = a.hrp + "1";
  for (uint8_t d : data) s += kCharset[d];
  for (int i = 0; i < 6; ++i) s += kCharset[mod >> (5 * (5 - i)) & 31];
  return s;
}

Bytes script_pubkey(const SegwitAddress& a) {
  Bytes s(2 + a.program.size());
  s[0] = static_cast<uint8_t>(a.version == 0 ? 0x00 : 0x50 + a.version);
  s[1] = static_cast<uint8_t>(a.program.size());
  std::copy(a.program.begin(), a.program.end(), s.begin() + 2);
  return s;
}

}  // namespace aegis::crypto
