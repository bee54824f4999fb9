// Moved to aegis/workflow/override.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/override.h"  // IWYU pragma: export
