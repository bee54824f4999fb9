// Moved to aegis/core/spelling.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/spelling.h"  // IWYU pragma: export
