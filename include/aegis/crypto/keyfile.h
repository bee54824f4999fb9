// Private key files, one format for every private key the project writes: a line naming the
// kind ("aegis-key: custodian-bip340", "aegis-key: attestation-ed25519", "aegis-key: xwing"),
// then the 32 key bytes as 64 lower-case hex digits and a newline; file mode 0600, created
// exclusively (never overwritten). Reading refuses a file that group or others can read, and a
// file of another kind, naming both kinds ("key_file.wrong_kind"). Files written by earlier
// versions — the bare 64 hex digits, or the JSON {"secret_key": HEX, ...} of aegis 0.x custodian
// keys — say no kind and are still read as any.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/crypto/ed25519.h"
#include "aegis/crypto/schnorr.h"

namespace aegis::crypto {

using KeyBytes = std::array<uint8_t, 32>;

// What a key file holds.
enum class KeyKind { kCustodian, kAttestation, kXWing };
// "custodian BIP-340 key", "attestation Ed25519 key", "X-Wing key".
std::string_view describe(KeyKind kind) noexcept;

// Writes a new key file of `kind`; refuses to overwrite. Error codes "key_file.create",
// "key_file.write". The secret never reaches stdout or a log.
Result<bool> write_key_bytes(const std::string& path, const KeyBytes& key, KeyKind kind);
// The 32 bytes of a key file of `kind`: "key_file.not_found", "key_file.permissions" (group or
// others can read it), "key_file.wrong_kind" (naming both kinds), "key_file.invalid".
Result<KeyBytes> read_key_bytes(const std::string& path, KeyKind kind);

// Custodian keys (BIP-340) in that format.
Result<bool> write_key_file(const std::string& path, const SecretKey& key);
Result<SecretKey> read_key_file(const std::string& path);

// Ed25519 attestation keys (the 32-byte seed) in that format.
Result<bool> write_ed25519_key_file(const std::string& path, const Ed25519Key& key);
Result<Ed25519Key> read_ed25519_key_file(const std::string& path);

}  // namespace aegis::crypto
