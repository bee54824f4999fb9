// Moved to aegis/server/openapi.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/openapi.h"  // IWYU pragma: export
