// Strict text encodings for keys and signatures: hex and base64 (RFC 4648). Decoders reject
// anything non-canonical, so one byte string has exactly one accepted text. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::crypto {

using Bytes = std::vector<uint8_t>;

std::string to_hex(const uint8_t* data, size_t size);
inline std::string to_hex(const Bytes& b) { return to_hex(b.data(), b.size()); }
// Lower- or upper-case hex of even length; nullopt otherwise.
std::optional<Bytes> from_hex(std::string_view hex);

std::string to_base64(const uint8_t* data, size_t size);
inline std::string to_base64(const Bytes& b) { return to_base64(b.data(), b.size()); }
// Standard alphabet with '=' padding to a multiple of 4; rejects other characters, whitespace,
// misplaced padding and non-zero bits in the last character (non-canonical encodings).
std::optional<Bytes> from_base64(std::string_view text);

}  // namespace aegis::crypto
