// Moved to aegis/server/server_config.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/server_config.h"  // IWYU pragma: export
