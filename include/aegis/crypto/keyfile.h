// Private key files, one format for every private key the project writes (custodian secp256k1,
// X-Wing and Ed25519 attestation keys alike): the 32 key bytes as 64 lower-case hex digits and a newline, file
// mode 0600, created exclusively (never overwritten). Reading refuses a file that group or
// others can read, and also accepts the JSON {"secret_key": HEX, ...} that custodian key files
// held before (aegis 0.x).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "aegis/crypto/ed25519.h"
#include "aegis/crypto/schnorr.h"
#include "aegis/error.h"

namespace aegis::crypto {

using KeyBytes = std::array<uint8_t, 32>;

// Writes a new key file; refuses to overwrite. Error codes "key_file.create", "key_file.write". The secret never reaches stdout or a log.
Result<bool> write_key_bytes(const std::string& path, const KeyBytes& key);
// The 32 bytes of a key file: "key_file.not_found", "key_file.permissions" (group or others
// can read it), "key_file.invalid".
Result<KeyBytes> read_key_bytes(const std::string& path);

// Custodian keys (BIP-340) in that format.
Result<bool> write_key_file(const std::string& path, const SecretKey& key);
Result<SecretKey> read_key_file(const std::string& path);

// Ed25519 attestation keys (the 32-byte seed) in that format.
Result<bool> write_ed25519_key_file(const std::string& path, const Ed25519Key& key);
Result<Ed25519Key> read_ed25519_key_file(const std::string& path);

}  // namespace aegis::crypto
