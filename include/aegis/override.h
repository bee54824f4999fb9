// Moved to aegis/workflow/override.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/override.h"  // IWYU pragma: export
