// Moved to aegis/workflow/actors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/actors.h"  // IWYU pragma: export
