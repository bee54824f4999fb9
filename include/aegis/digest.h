// Message digests used for config, baseline and audit hashes. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace aegis {

// SHA-256 of `data` as 64 lower-case hex digits (OpenSSL).
std::string sha256_hex(std::string_view data);

}  // namespace aegis
