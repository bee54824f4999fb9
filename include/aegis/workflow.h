// Moved to aegis/workflow/workflow.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/workflow.h"  // IWYU pragma: export
