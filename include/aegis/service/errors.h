// Detail codes of the decision service.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_BATCH_ERRORS(X)                                                       \
  X(kBatchConflict, "batch.conflict", kInvalidInput,                                \
    "a batch line gives its own drift baseline; use the command-line flag instead") \
  X(kBatchStore, "batch.store", kInternal,                                          \
    "the batch decisions could not be stored, so they were not printed")
AEGIS_ERROR_TABLE(batch, AEGIS_BATCH_ERRORS)

#define AEGIS_REQUEST_ERRORS(X)                          \
  X(kRequestConflict, "request.conflict", kInvalidInput, \
    "the drift baseline is given both in the request and by the caller")
AEGIS_ERROR_TABLE(request, AEGIS_REQUEST_ERRORS)

#define AEGIS_WHAT_IF_ERRORS(X)                     \
  X(kWhatIfSyntax, "what_if.syntax", kInvalidInput, \
    "a what-if change is not written as a field path and value")
AEGIS_ERROR_TABLE(what_if, AEGIS_WHAT_IF_ERRORS)

}  // namespace aegis
