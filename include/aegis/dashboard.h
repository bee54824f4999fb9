// Moved to aegis/server/dashboard.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/dashboard.h"  // IWYU pragma: export
