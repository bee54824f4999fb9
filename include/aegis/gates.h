// Moved to aegis/core/gates.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/gates.h"  // IWYU pragma: export
