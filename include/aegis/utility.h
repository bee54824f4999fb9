// Moved to aegis/core/utility.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/utility.h"  // IWYU pragma: export
