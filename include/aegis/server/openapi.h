// The OpenAPI 3.1 description of `aegis serve` (GET /openapi.json): schema/openapi.json with the
// project's JSON Schemas (context, decision, gate result, drift result, error) embedded as
// components, so the document is complete without network access.
#pragma once

#include <string>

namespace aegis {

std::string openapi_document();

}  // namespace aegis
