// Moved to aegis/workflow/afa.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/afa.h"  // IWYU pragma: export
