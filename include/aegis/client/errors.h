// Detail codes of the gate client.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_GATE_ERRORS(X)                                           \
  X(kGateRetries, "gate.retries", kInvalidInput,                       \
    "the remote gate retry count is not between 0 and 100")            \
  X(kGateTimeout, "gate.timeout", kInvalidInput,                       \
    "the remote gate timeout is not between 1 millisecond and 1 hour") \
  X(kGateUrl, "gate.url", kInvalidInput,                               \
    "the remote gate URL is invalid or uses plain http off this machine")
AEGIS_ERROR_TABLE(gate, AEGIS_GATE_ERRORS)

}  // namespace aegis
