// Detail codes of the decision store and audit log.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_ATTESTATION_ERRORS(X)                                     \
  X(kAttestationNotDecision, "attestation.not_decision", kInvalidInput, \
    "the audit entry to attest is not a decision")
AEGIS_ERROR_TABLE(attestation, AEGIS_ATTESTATION_ERRORS)

#define AEGIS_CHECKPOINT_ERRORS(X)                           \
  X(kCheckpointInvalid, "checkpoint.invalid", kInvalidInput, \
    "a field of the audit checkpoint is missing or has a bad value")
AEGIS_ERROR_TABLE(checkpoint, AEGIS_CHECKPOINT_ERRORS)

#define AEGIS_STORE_ERRORS(X)                                                                  \
  X(kStoreIntegrity, "store.integrity", kInternal,                                             \
    "the store is inconsistent; run the audit verification")                                   \
  X(kStoreNotFound, "store.not_found", kNotFound,                                              \
    "the database does not exist; read-only commands never create one")                        \
  X(kStorePostgresql, "store.postgresql", kInternal, "a PostgreSQL database operation failed") \
  X(kStoreSchema, "store.schema", kInternal,                                                   \
    "the database schema is newer than this aegis version understands")                        \
  X(kStoreSchemaOld, "store.schema_old", kInvalidInput,                                        \
    "the store schema is older; open it once with a writing command")                          \
  X(kStoreSqlite, "store.sqlite", kInternal, "a SQLite database operation failed")             \
  X(kStoreUrl, "store.url", kInvalidInput,                                                     \
    "the database URL is not a supported sqlite or postgresql URL")                            \
  X(kStoreVersionConflict, "store.version_conflict", kConflict,                                \
    "the record changed since it was read; reload and retry")
AEGIS_ERROR_TABLE(store, AEGIS_STORE_ERRORS)

}  // namespace aegis
