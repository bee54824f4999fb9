// Moved to aegis/core/version.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/version.h"  // IWYU pragma: export
