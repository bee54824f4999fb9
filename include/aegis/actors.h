// Moved to aegis/workflow/actors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/actors.h"  // IWYU pragma: export
