// Moved to aegis/workflow/workflow.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/workflow.h"  // IWYU pragma: export
