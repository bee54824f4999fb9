// Moved to aegis/workflow/workflow_api.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/workflow_api.h"  // IWYU pragma: export
