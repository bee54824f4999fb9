#include "aegis/crypto/encoding.h"

namespace aegis::crypto {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string to_hex(const uint8_t* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(2 * size, '0');
  for (size_t i = 0; i < size; ++i) {
    s[2 * i] = kHex[data[i] >> 4];
    s[2 * i + 1] = kHex[data[i] & 0xF];
  }
  return s;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string to_base64(const uint8_t* data, size_t size) {
  std::string s;
  s.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t n = static_cast<uint32_t>(data[i]) << 16 |
                       (i + 1 < size ? static_cast<uint32_t>(data[i + 1]) << 8 : 0) |
                       (i + 2 < size ? data[i + 2] : 0);
    s += kB64[n >> 18 & 63];
    s += kB64[n >> 12 & 63];
    s += i + 1 < size ? kB64[n >> 6 & 63] : '=';
    s += i + 2 < size ? kB64[n & 63] : '=';
  }
  return s;
}

std::optional<Bytes> from_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    for (int k = 0; k < 4; ++k) {
      const bool padding_slot = last && k >= 4 - static_cast<int>(pad);
      if (padding_slot) {
        if (text[i + k] != '=') return std::nullopt;
        v[k] = 0;
        continue;
      }
      v[k] = b64_value(text[i + k]);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (!(last && pad == 2)) out.push_back(static_cast<uint8_t>(n >> 8));
    if (!(last && pad >= 1)) out.push_back(static_cast<uint8_t>(n));
    // Canonical form: the bits the padding drops must be zero.
    if (last && pad == 1 && (v[2] & 0x3)) return std::nullopt;
    if (last && pad == 2 && (v[1] & 0xF)) return std::nullopt;
  }
  return out;
}

}  // namespace aegis::crypto
