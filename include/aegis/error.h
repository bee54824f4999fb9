// Moved to aegis/core/error.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/error.h"  // IWYU pragma: export
