// Detail codes of the HTTP server, its routes and MCP.
// One X-macro list per module of (constant, detail, kind, meaning), declared once here;
// docs/ERRORS.md is generated from these tables (tests/core/test_error_tables.cpp).
#pragma once

#include "aegis/core/error.h"

namespace aegis {

#define AEGIS_DASHBOARD_ERRORS(X)                  \
  X(kDashboardAsset, "dashboard.asset", kInternal, \
    "the embedded dashboard page is incomplete in this build")
AEGIS_ERROR_TABLE(dashboard, AEGIS_DASHBOARD_ERRORS)

#define AEGIS_GATEWAY_ERRORS(X)                                                            \
  X(kGatewayConfig, "gateway.config", kInvalidInput,                                       \
    "the gateway section of the configuration has a bad value")                            \
  X(kGatewayMessage, "gateway.message", kMalformed,                                        \
    "the MCP message to the gateway is not one it forwards (a batch, a bad id or params)") \
  X(kGatewayPinChanged, "gateway.pin_changed", kConflict,                                  \
    "the tool's definition changed since it was pinned; an operator must accept it")       \
  X(kGatewayPinMismatch, "gateway.pin_mismatch", kConflict,                                \
    "the tool's pending definition is not the one named for acceptance; review it again")  \
  X(kGatewayPinNotFound, "gateway.pin_not_found", kNotFound,                               \
    "no pinned tool has the given upstream and name, or it has no change to accept")       \
  X(kGatewayPolicy, "gateway.policy", kInvalidInput,                                       \
    "the gateway policy cannot be evaluated for this call, so it is not forwarded")        \
  X(kGatewayStore, "gateway.store", kInternal,                                             \
    "the decision could not be recorded, so the call was not forwarded")                   \
  X(kGatewayUnknownTool, "gateway.unknown_tool", kNotFound,                                \
    "no upstream offers a tool of that name")                                              \
  X(kGatewayUpstream, "gateway.upstream", kUnavailable,                                    \
    "an upstream MCP server cannot be started, reached or initialized")
AEGIS_ERROR_TABLE(gateway, AEGIS_GATEWAY_ERRORS)

#define AEGIS_HTTP_ERRORS(X)                                                           \
  X(kHttpBodyTooLarge, "http.body_too_large", kPayloadTooLarge,                        \
    "the request body is larger than the server allows")                               \
  X(kHttpContentEncoding, "http.content_encoding", kUnsupportedMediaType,              \
    "the request uses a content encoding the server does not accept")                  \
  X(kHttpFraming, "http.framing", kMalformed,                                          \
    "the HTTP request is malformed, such as bad line endings or chunking")             \
  X(kHttpHeadersTooLarge, "http.headers_too_large", kHeadersTooLarge,                  \
    "the request headers are larger than the server allows")                           \
  X(kHttpMethod, "http.method", kMethodNotAllowed,                                     \
    "the route exists but does not accept this HTTP method")                           \
  X(kHttpNotFound, "http.not_found", kNotFound, "no route matches the requested path") \
  X(kHttpRequestTimeout, "http.request_timeout", kRequestTimeout,                      \
    "the request was not fully received in time")
AEGIS_ERROR_TABLE(http, AEGIS_HTTP_ERRORS)

#define AEGIS_MCP_ERRORS(X)                                                                        \
  X(kMcpConfig, "mcp.config", kInvalidInput,                                                       \
    "the MCP section of the configuration has a bad value")                                        \
  X(kMcpInvalid, "mcp.invalid", kInvalidInput,                                                     \
    "an MCP tool argument is missing or has a wrong value")                                        \
  X(kMcpNotFound, "mcp.not_found", kNotFound,                                                      \
    "the MCP tool asked for a decision that does not exist")                                       \
  X(kMcpOrigin, "mcp.origin", kForbidden,                                                          \
    "the request comes from a browser origin or Host the server does not serve")                   \
  X(kMcpProtocolVersion, "mcp.protocol_version", kMalformed,                                       \
    "the request names an MCP protocol version the server does not support")                       \
  X(kMcpRateLimited, "mcp.rate_limited", kRateLimited,                                             \
    "too many MCP tool calls per minute; wait and retry")                                          \
  X(kMcpSession, "mcp.session", kMalformed,                                                        \
    "ending an MCP session requires the Mcp-Session-Id header")                                    \
  X(kMcpStore, "mcp.store", kInternal, "the decision could not be stored, so it was not returned") \
  X(kMcpUnknownSession, "mcp.unknown_session", kNotFound,                                          \
    "no MCP session exists with the given session id")
AEGIS_ERROR_TABLE(mcp, AEGIS_MCP_ERRORS)

#define AEGIS_OPENAPI_ERRORS(X)                                 \
  X(kOpenapiMissingSchema, "openapi.missing_schema", kInternal, \
    "a schema the API description needs is missing from this build")
AEGIS_ERROR_TABLE(openapi, AEGIS_OPENAPI_ERRORS)

#define AEGIS_SERVER_ERRORS(X)                                                               \
  X(kServerApiKeys, "server.api_keys", kInvalidInput,                                        \
    "an API key entry is incomplete, malformed or repeats an earlier key")                   \
  X(kServerBadKey, "server.bad_key", kUnauthorized, "the API key presented is not valid")    \
  X(kServerConfig, "server.config", kInvalidInput,                                           \
    "the server section of the configuration has a bad value")                               \
  X(kServerConnections, "server.connections", kUnavailable,                                  \
    "the server or this address has too many connections; retry later")                      \
  X(kServerInvalid, "server.invalid", kInvalidInput,                                         \
    "the quick check request lacks a required field or has a wrong type")                    \
  X(kServerListen, "server.listen", kInvalidInput,                                           \
    "the server cannot listen on the given host and port")                                   \
  X(kServerNoAttestationKey, "server.no_attestation_key", kNotFound,                         \
    "the server has no attestation key configured, so it signs nothing")                     \
  X(kServerNotFound, "server.not_found", kNotFound, "no decision exists with the given id")  \
  X(kServerRateLimited, "server.rate_limited", kRateLimited,                                 \
    "too many requests for this API key; retry after the given delay")                       \
  X(kServerStore, "server.store", kInternal,                                                 \
    "the result could not be stored, so nothing was returned")                               \
  X(kServerTls, "server.tls", kInvalidInput, "the TLS certificate and key cannot be loaded") \
  X(kServerTooManyItems, "server.too_many_items", kPayloadTooLarge,                          \
    "the batch holds more contexts than the server allows")                                  \
  X(kServerUnauthorized, "server.unauthorized", kUnauthorized,                               \
    "the request has no API key; send one Authorization Bearer header")
AEGIS_ERROR_TABLE(server, AEGIS_SERVER_ERRORS)

}  // namespace aegis
