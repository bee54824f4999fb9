// Detail codes of telemetry.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_TELEMETRY_ERRORS(X)                                          \
  X(kTelemetryBatchSize, "telemetry.batch_size", kInvalidInput,            \
    "the telemetry batch size must be at least 1")                         \
  X(kTelemetryEncrypted, "telemetry.encrypted", kInvalidInput,             \
    "an encrypted telemetry event is malformed or does not decrypt")       \
  X(kTelemetryEncryptionKey, "telemetry.encryption_key", kInvalidInput,    \
    "the telemetry encryption public key is not a valid X-Wing key")       \
  X(kTelemetryEncryptionSetup, "telemetry.encryption_setup", kInternal,    \
    "the telemetry encryption key was refused when setting up encryption") \
  X(kTelemetryEvent, "telemetry.event", kInvalidInput,                     \
    "a telemetry event is not an object or lacks its event type")          \
  X(kTelemetryHeader, "telemetry.header", kInvalidInput,                   \
    "a telemetry header name or value contains forbidden characters")      \
  X(kTelemetryInterval, "telemetry.interval", kInvalidInput,               \
    "the telemetry flush interval is not positive or out of range")        \
  X(kTelemetryRetries, "telemetry.retries", kInvalidInput,                 \
    "the telemetry retry count must not be negative")                      \
  X(kTelemetrySink, "telemetry.sink", kInvalidInput,                       \
    "a telemetry sink is missing, empty or not a usable sink")             \
  X(kTelemetrySource, "telemetry.source", kInvalidInput,                   \
    "the telemetry emitter needs a source name")                           \
  X(kTelemetryTimeout, "telemetry.timeout", kInvalidInput,                 \
    "the telemetry timeout is not positive or out of range")               \
  X(kTelemetryUrl, "telemetry.url", kInvalidInput,                         \
    "the telemetry URL must be https, or http only when allowed")
AEGIS_ERROR_TABLE(telemetry, AEGIS_TELEMETRY_ERRORS)

}  // namespace aegis
