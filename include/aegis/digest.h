// Moved to aegis/core/digest.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/digest.h"  // IWYU pragma: export
