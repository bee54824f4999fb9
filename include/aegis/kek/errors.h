// Detail codes of the key-encryption-key providers.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_KEK_ERRORS(X)                                                                       \
  X(kKekBadPrivateKey, "kek.bad_private_key", kInternal,                                          \
    "the wrapped private key does not unwrap to a 32-byte key")                                   \
  X(kKekEmpty, "kek.empty", kInternal, "there is nothing to wrap; the input is empty")            \
  X(kKekEnvFile, "kek.env_file", kInvalidInput,                                                   \
    "the key environment file cannot be created; existing files are never overwritten")           \
  X(kKekEnvFileWrite, "kek.env_file_write", kInternal, "writing the key environment file failed") \
  X(kKekEnvironment, "kek.environment", kInvalidInput,                                            \
    "a key environment variable is not valid base64 or has the wrong length")                     \
  X(kKekNoPrivateKey, "kek.no_private_key", kInternal,                                            \
    "no configured KEK provider holds the wrapped hybrid private key")                            \
  X(kKekNotConfigured, "kek.not_configured", kInvalidInput,                                       \
    "the KEK provider is missing required settings")                                              \
  X(kKekProvider, "kek.provider", kInvalidInput,                                                  \
    "the KEK provider name is not one of the known providers")                                    \
  X(kKekProvision, "kek.provision", kInvalidInput,                                                \
    "an in-memory KEK cannot be provisioned; use kms, hsm or environment")                        \
  X(kKekPublicKey, "kek.public_key", kInvalidInput,                                               \
    "the public key is not a 1216-byte X-Wing public key")                                        \
  X(kKekSelfTest, "kek.self_test", kInternal,                                                     \
    "the KEK provider did not unwrap what it had wrapped")                                        \
  X(kKekUnwrapFailed, "kek.unwrap_failed", kInternal,                                             \
    "the wrapped blob does not unwrap with this KEK")
AEGIS_ERROR_TABLE(kek, AEGIS_KEK_ERRORS)

#define AEGIS_KEK_HSM_ERRORS(X)                                           \
  X(kKekHsmInitialize, "kek.hsm.initialize", kInternal,                   \
    "the PKCS#11 library failed to initialize")                           \
  X(kKekHsmKey, "kek.hsm.key", kInternal,                                 \
    "the HSM token has no usable wrapping key with the configured label") \
  X(kKekHsmLength, "kek.hsm.length", kInternal,                           \
    "the HSM can only wrap inputs whose length is a multiple of 8")       \
  X(kKekHsmLibrary, "kek.hsm.library", kInternal,                         \
    "the PKCS#11 library cannot be loaded or is not a PKCS#11 library")   \
  X(kKekHsmLogin, "kek.hsm.login", kInternal,                             \
    "the HSM token refused the login, for example a wrong PIN")           \
  X(kKekHsmMechanism, "kek.hsm.mechanism", kInternal,                     \
    "the HSM token supports no AES key wrap mechanism aegis can use")     \
  X(kKekHsmPoolSize, "kek.hsm.pool_size", kInvalidInput,                  \
    "the HSM session pool size must be at least 1")                       \
  X(kKekHsmSession, "kek.hsm.session", kInternal,                         \
    "a session on the HSM token could not be opened")                     \
  X(kKekHsmToken, "kek.hsm.token", kInternal,                             \
    "the configured HSM token cannot be found or slots cannot be listed") \
  X(kKekHsmUnwrap, "kek.hsm.unwrap", kInternal,                           \
    "the unwrapped bytes could not be read back from the HSM")            \
  X(kKekHsmWrap, "kek.hsm.wrap", kInternal, "the HSM token failed to wrap the key material")
AEGIS_ERROR_TABLE(kek_hsm, AEGIS_KEK_HSM_ERRORS)

#define AEGIS_KEK_KMS_ERRORS(X)                                                                \
  X(kKekKmsAccessDenied, "kek.kms.access_denied", kInternal,                                   \
    "AWS KMS denied access to the key for this operation")                                     \
  X(kKekKmsAnswer, "kek.kms.answer", kInternal,                                                \
    "AWS KMS answered without the expected base64 data")                                       \
  X(kKekKmsCredentials, "kek.kms.credentials", kInternal,                                      \
    "AWS KMS rejected the credentials or request signature")                                   \
  X(kKekKmsEndpoint, "kek.kms.endpoint", kInvalidInput,                                        \
    "the configured KMS endpoint is not an https URL")                                         \
  X(kKekKmsKeyState, "kek.kms.key_state", kInternal,                                           \
    "the KMS key is disabled or in a state that cannot be used")                               \
  X(kKekKmsLength, "kek.kms.length", kInternal,                                                \
    "the data to encrypt with KMS must be 1 to 4096 bytes")                                    \
  X(kKekKmsNotFound, "kek.kms.not_found", kInternal, "AWS KMS cannot find the configured key") \
  X(kKekKmsRefused, "kek.kms.refused", kInternal,                                              \
    "AWS KMS refused the request for another reason")                                          \
  X(kKekKmsTimeout, "kek.kms.timeout", kInternal,                                              \
    "AWS KMS did not answer within the configured timeout")                                    \
  X(kKekKmsTls, "kek.kms.tls", kInternal,                                                      \
    "the TLS connection to AWS KMS failed; check the CA bundle")                               \
  X(kKekKmsUnreachable, "kek.kms.unreachable", kInternal,                                      \
    "AWS KMS could not be reached over the network")
AEGIS_ERROR_TABLE(kek_kms, AEGIS_KEK_KMS_ERRORS)

}  // namespace aegis
