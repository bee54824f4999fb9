// Moved to aegis/core/context.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/context.h"  // IWYU pragma: export
