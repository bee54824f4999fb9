// Private key files, one format for every private key the project writes (custodian secp256k1
// keys and X-Wing keys alike): the 32 key bytes as 64 lower-case hex digits and a newline, file
// mode 0600, created exclusively (never overwritten). Reading refuses a file that group or
// others can read, and also accepts the JSON {"secret_key": HEX, ...} that custodian key files
// held before (aegis 0.x).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "aegis/crypto/schnorr.h"
#include "aegis/error.h"

namespace aegis::cli {

using KeyBytes = std::array<uint8_t, 32>;

// Writes a new key file; refuses to overwrite. The secret never reaches stdout or a log.
Result<bool> write_key_bytes(const std::string& path, const KeyBytes& key);
// The 32 bytes of a key file ("cli.key_permissions" when others can read it).
Result<KeyBytes> read_key_bytes(const std::string& path);

// Custodian keys (BIP-340) in that format.
Result<bool> write_key_file(const std::string& path, const crypto::SecretKey& key);
Result<crypto::SecretKey> read_key_file(const std::string& path);

}  // namespace aegis::cli
