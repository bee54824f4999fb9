// Moved to aegis/server/api_server.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/api_server.h"  // IWYU pragma: export
