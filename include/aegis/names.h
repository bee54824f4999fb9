// Moved to aegis/core/names.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/names.h"  // IWYU pragma: export
