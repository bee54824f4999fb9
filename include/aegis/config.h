// Moved to aegis/core/config.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/config.h"  // IWYU pragma: export
