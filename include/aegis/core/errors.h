// Detail codes of the engine core (JSON, contexts, configuration, gates).
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_BAYES_ERRORS(X)                                         \
  X(kBayesInvalidParameter, "bayes.invalid_parameter", kInvalidInput, \
    "a Bayesian prior parameter is not finite or not positive")
AEGIS_ERROR_TABLE(bayes, AEGIS_BAYES_ERRORS)

#define AEGIS_COMPLEXITY_ERRORS(X)                                              \
  X(kComplexityEmpty, "complexity.empty", kInvalidInput,                        \
    "the complexity model declares no components")                              \
  X(kComplexityInvalid, "complexity.invalid", kInvalidInput,                    \
    "a complexity component has an empty or repeated name or a bad weight")     \
  X(kComplexityMissingComponent, "complexity.missing_component", kInvalidInput, \
    "a complexity component the model declares is not given")                   \
  X(kComplexityOutOfRange, "complexity.out_of_range", kInvalidInput,            \
    "a complexity component value is negative or not finite")                   \
  X(kComplexityUnknownComponent, "complexity.unknown_component", kInvalidInput, \
    "the input names a complexity component the model does not declare")
AEGIS_ERROR_TABLE(complexity, AEGIS_COMPLEXITY_ERRORS)

#define AEGIS_CONFIG_ERRORS(X)                                              \
  X(kConfigDuplicateKey, "config.duplicate_key", kInvalidInput,             \
    "the config sets the same parameter more than once")                    \
  X(kConfigEnvUnset, "config.env_unset", kInvalidInput,                     \
    "a config value names an environment variable that is not set")         \
  X(kConfigInvalidKey, "config.invalid_key", kInvalidInput,                 \
    "the telemetry encryption public key in the config is not a valid key") \
  X(kConfigInvalidUrl, "config.invalid_url", kInvalidInput,                 \
    "the telemetry URL in the config is not an allowed https URL")          \
  X(kConfigNotFound, "config.not_found", kNotFound,                         \
    "the config file does not exist or cannot be read")                     \
  X(kConfigOutOfRange, "config.out_of_range", kInvalidInput,                \
    "a config parameter value is outside its allowed range")                \
  X(kConfigTooLarge, "config.too_large", kInvalidInput,                     \
    "the config file is larger than the 1 MiB limit")                       \
  X(kConfigUnknown, "config.unknown", kInvalidInput,                        \
    "the config sets a known parameter that this build does not handle")    \
  X(kConfigUnknownKey, "config.unknown_key", kInvalidInput,                 \
    "the config has a key that is not recognized at that level")            \
  X(kConfigWrongType, "config.wrong_type", kInvalidInput,                   \
    "a config value or section has the wrong type")                         \
  X(kConfigYamlSyntax, "config.yaml_syntax", kInvalidInput,                 \
    "the configuration file is not well-formed YAML")
AEGIS_ERROR_TABLE(config, AEGIS_CONFIG_ERRORS)

#define AEGIS_CONTEXT_ERRORS(X)                                           \
  X(kContextInvalidUtf8, "context.invalid_utf8", kInvalidInput,           \
    "a text field or metadata key of the context is not valid UTF-8")     \
  X(kContextNotFinite, "context.not_finite", kInvalidInput,               \
    "a numeric context field is infinite or not a number")                \
  X(kContextNulCharacter, "context.nul_character", kInvalidInput,         \
    "an identifier in the context contains a NUL character")              \
  X(kContextOutOfRange, "context.out_of_range", kInvalidInput,            \
    "a context value is outside its allowed range, such as [0, 1]")       \
  X(kContextRequired, "context.required", kInvalidInput,                  \
    "a required context or request field is missing or empty")            \
  X(kContextTooDeep, "context.too_deep", kInvalidInput,                   \
    "the context metadata nests objects and arrays too deeply")           \
  X(kContextTooLong, "context.too_long", kInvalidInput,                   \
    "a context field or list is longer than its limit")                   \
  X(kContextUnknownValue, "context.unknown_value", kInvalidInput,         \
    "a context field has a value outside its allowed set, such as phase") \
  X(kContextWrongType, "context.wrong_type", kInvalidInput,               \
    "a context field or metadata value has the wrong type")
AEGIS_ERROR_TABLE(context, AEGIS_CONTEXT_ERRORS)

#define AEGIS_DECIDE_ERRORS(X)                     \
  X(kDecideInternal, "decide.internal", kInternal, \
    "the decision failed after its input was validated; no decision is returned")
AEGIS_ERROR_TABLE(decide, AEGIS_DECIDE_ERRORS)

#define AEGIS_DIGEST_ERRORS(X)                                                      \
  X(kDigestFailed, "digest.failed", kInternal, "computing a SHA-256 digest failed") \
  X(kDigestUnavailable, "digest.unavailable", kInternal,                            \
    "the SHA-256 digest is not available on this system")
AEGIS_ERROR_TABLE(digest, AEGIS_DIGEST_ERRORS)

#define AEGIS_DRIFT_ERRORS(X)                                           \
  X(kDriftBaseline, "drift.baseline", kInvalidInput,                    \
    "the drift baseline is too short, not finite, or cannot be binned") \
  X(kDriftObservation, "drift.observation", kInvalidInput,              \
    "a drift observation value is not a finite number")
AEGIS_ERROR_TABLE(drift, AEGIS_DRIFT_ERRORS)

#define AEGIS_JSON_ERRORS(X)                                                                     \
  X(kJsonConflict, "json.conflict", kMalformed,                                                  \
    "the same input is given twice, under two names or with conflicting values")                 \
  X(kJsonDuplicateKey, "json.duplicate_key", kMalformed,                                         \
    "a JSON object has the same key more than once")                                             \
  X(kJsonEmpty, "json.empty", kMalformed, "the input is empty or only whitespace")               \
  X(kJsonFields, "json.fields", kMalformed, "the field list is empty or names an unknown field") \
  X(kJsonInvalidUtf8, "json.invalid_utf8", kMalformed,                                           \
    "the JSON input or a string in it is not valid UTF-8")                                       \
  X(kJsonNotFinite, "json.not_finite", kMalformed,                                               \
    "a number that JSON cannot carry, such as infinity, was given")                              \
  X(kJsonNotObject, "json.not_object", kMalformed,                                               \
    "the body, context or arguments must be a JSON object but is not")                           \
  X(kJsonNumberOutOfRange, "json.number_out_of_range", kMalformed,                               \
    "a JSON number is too large to be represented")                                              \
  X(kJsonQuery, "json.query", kMalformed,                                                        \
    "a query parameter is unknown, repeated or has a bad value")                                 \
  X(kJsonSyntax, "json.syntax", kMalformed, "the input is not well-formed JSON")                 \
  X(kJsonTooDeep, "json.too_deep", kMalformed, "the JSON nests deeper than the allowed limit")   \
  X(kJsonTooLarge, "json.too_large", kPayloadTooLarge,                                           \
    "the input document or line is over the size limit")                                         \
  X(kJsonUnknownField, "json.unknown_field", kMalformed,                                         \
    "an object has a field the schema does not define")                                          \
  X(kJsonWrongType, "json.wrong_type", kMalformed, "a JSON field has the wrong type for its schema")
AEGIS_ERROR_TABLE(json, AEGIS_JSON_ERRORS)

#define AEGIS_UTILITY_ERRORS(X)                                \
  X(kUtilityOutOfRange, "utility.out_of_range", kInvalidInput, \
    "a utility component is outside its allowed range")        \
  X(kUtilityOverflow, "utility.overflow", kInvalidInput,       \
    "the utility components are too large to compute a result")
AEGIS_ERROR_TABLE(utility, AEGIS_UTILITY_ERRORS)

#define AEGIS_UUID_ERRORS(X) \
  X(kUuidRandom, "uuid.random", kInternal, "the system random generator failed while making an id")
AEGIS_ERROR_TABLE(uuid, AEGIS_UUID_ERRORS)

}  // namespace aegis
