// Moved to aegis/workflow/afa.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/afa.h"  // IWYU pragma: export
