// Moved to aegis/core/complexity.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/complexity.h"  // IWYU pragma: export
