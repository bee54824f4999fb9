// Moved to aegis/server/mcp.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/mcp.h"  // IWYU pragma: export
