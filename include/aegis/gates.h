// Moved to aegis/core/gates.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/gates.h"  // IWYU pragma: export
