// Moved to aegis/server/mcp.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/mcp.h"  // IWYU pragma: export
