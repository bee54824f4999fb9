// Moved to aegis/workflow/rbac.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/rbac.h"  // IWYU pragma: export
