// Moved to aegis/core/complexity.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/complexity.h"  // IWYU pragma: export
