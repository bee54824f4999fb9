// Custodian key files: JSON {"secret_key", "public_key", "address"}, mode 0600.
#pragma once

#include <string>

#include "aegis/crypto/schnorr.h"
#include "aegis/error.h"

namespace aegis::cli {

// Writes a new key file; refuses to overwrite. The secret never reaches stdout or a log.
Result<bool> write_key_file(const std::string& path, const crypto::SecretKey& key);
// Reads a key file; refuses files that group or others can read ("cli.key_permissions").
Result<crypto::SecretKey> read_key_file(const std::string& path);

}  // namespace aegis::cli
