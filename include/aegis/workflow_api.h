// Moved to aegis/workflow/workflow_api.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/workflow_api.h"  // IWYU pragma: export
