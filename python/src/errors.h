// Detail codes of the Python module.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_PYTHON_ERRORS(X)                                                                \
  X(kPythonBytes, "python.bytes", kInvalidInput,                                              \
    "a Python argument is not bytes or has the wrong length")                                 \
  X(kPythonEnum, "python.enum", kInternal, "an internal enum value has no Python equivalent") \
  X(kPythonNotFinite, "python.not_finite", kInvalidInput,                                     \
    "a Python number is too large to be represented as a float")                              \
  X(kPythonOutOfRange, "python.out_of_range", kInvalidInput,                                  \
    "a Python integer does not fit in 64 bits")                                               \
  X(kPythonUnknownValue, "python.unknown_value", kInvalidInput,                               \
    "a Python argument is not one of the accepted values")                                    \
  X(kPythonWrongType, "python.wrong_type", kInvalidInput, "a Python argument has the wrong type")
AEGIS_ERROR_TABLE(python, AEGIS_PYTHON_ERRORS)

}  // namespace aegis
