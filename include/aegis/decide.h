// Moved to aegis/core/decide.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/decide.h"  // IWYU pragma: export
