// Moved to aegis/core/drift.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/drift.h"  // IWYU pragma: export
