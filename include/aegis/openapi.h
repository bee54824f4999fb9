// Moved to aegis/server/openapi.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/openapi.h"  // IWYU pragma: export
