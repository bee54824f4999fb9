// Detail codes of the command line.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_CLI_ERRORS(X)                                                                       \
  X(kCliBase64, "cli.base64", kInvalidInput,                                                      \
    "a command-line value is not valid base64 or has the wrong length")                           \
  X(kCliDriftBaseline, "cli.drift_baseline", kInvalidInput,                                       \
    "the drift baseline file is not a JSON array of numbers")                                     \
  X(kCliHex, "cli.hex", kInvalidInput,                                                            \
    "a command-line value is not the required number of hex digits")                              \
  X(kCliInternal, "cli.internal", kInternal,                                                      \
    "the command failed with an unexpected internal error")                                       \
  X(kCliMetrics, "cli.metrics", kInternal,                                                        \
    "a stored decision could not be read to export metrics")                                      \
  X(kCliNotFound, "cli.not_found", kNotFound,                                                     \
    "the input file or requested decision does not exist")                                        \
  X(kCliOutput, "cli.output", kInvalidInput, "the output file cannot be opened for writing")      \
  X(kCliOverrideRequest, "cli.override_request", kInvalidInput,                                   \
    "the override request file is not a well-formed override request")                            \
  X(kCliPublicKey, "cli.public_key", kInvalidInput,                                               \
    "the given public key is not a base64 32-byte Ed25519 key")                                   \
  X(kCliRandom, "cli.random", kInternal, "the system random generator failed while making a key") \
  X(kCliRead, "cli.read", kInvalidInput, "the input could not be read")                           \
  X(kCliService, "cli.service", kInternal, "the server named by --url did not answer")            \
  X(kCliStore, "cli.store", kInternal, "the decision could not be stored, so it was not printed") \
  X(kCliUsage, "cli.usage", kInvalidInput,                                                        \
    "the command line has a missing, unknown or conflicting option or argument")
AEGIS_ERROR_TABLE(cli, AEGIS_CLI_ERRORS)

#define AEGIS_REPORT_ERRORS(X)                                       \
  X(kReportDecision, "report.decision", kNotFound,                   \
    "the requested decision is not in the report input")             \
  X(kReportInput, "report.input", kInvalidInput,                     \
    "the report input is not decisions in JSON lines or holds none") \
  X(kReportWrite, "report.write", kInternal, "the report output cannot be written")
AEGIS_ERROR_TABLE(report, AEGIS_REPORT_ERRORS)

}  // namespace aegis
