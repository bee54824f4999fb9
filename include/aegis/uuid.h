// Moved to aegis/core/uuid.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/uuid.h"  // IWYU pragma: export
