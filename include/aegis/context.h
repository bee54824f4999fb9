// Moved to aegis/core/context.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/context.h"  // IWYU pragma: export
