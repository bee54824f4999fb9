// Moved to aegis/core/json.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/json.h"  // IWYU pragma: export
