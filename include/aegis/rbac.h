// Moved to aegis/workflow/rbac.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/workflow/rbac.h"  // IWYU pragma: export
