// Detail codes of the cryptography layer.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_CRYPTO_ERRORS(X)                                 \
  X(kCryptoEd25519, "crypto.ed25519", kInternal,               \
    "an Ed25519 key or signing operation failed unexpectedly") \
  X(kCryptoInternal, "crypto.internal", kInternal,             \
    "a Schnorr signing or key operation failed unexpectedly")
AEGIS_ERROR_TABLE(crypto, AEGIS_CRYPTO_ERRORS)

#define AEGIS_HPKE_ERRORS(X)               \
  X(kHpkeOpen, "hpke.open", kInvalidInput, \
    "the ciphertext does not decrypt with this key, info and aad")
AEGIS_ERROR_TABLE(hpke, AEGIS_HPKE_ERRORS)

#define AEGIS_KEM_ERRORS(X) \
  X(kKemPublicKey, "kem.public_key", kInvalidInput, "the key is not a valid X-Wing public key")
AEGIS_ERROR_TABLE(kem, AEGIS_KEM_ERRORS)

#define AEGIS_KEY_FILE_ERRORS(X)                                                      \
  X(kKeyFileCreate, "key_file.create", kInvalidInput,                                 \
    "the key file cannot be created; existing files are never overwritten")           \
  X(kKeyFileInvalid, "key_file.invalid", kInvalidInput,                               \
    "the key file cannot be opened or is not a valid aegis key file")                 \
  X(kKeyFileNotFound, "key_file.not_found", kNotFound, "the key file does not exist") \
  X(kKeyFilePermissions, "key_file.permissions", kInvalidInput,                       \
    "the key file is readable by others; restrict it to its owner")                   \
  X(kKeyFileWrite, "key_file.write", kInternal, "writing the key file failed")        \
  X(kKeyFileWrongKind, "key_file.wrong_kind", kInvalidInput,                          \
    "the key file holds a different kind of key than the command needs")
AEGIS_ERROR_TABLE(key_file, AEGIS_KEY_FILE_ERRORS)

}  // namespace aegis
