// Moved to aegis/workflow/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/workflow/errors.h"  // IWYU pragma: export
