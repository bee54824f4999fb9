// Moved to aegis/core/spelling.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/spelling.h"  // IWYU pragma: export
