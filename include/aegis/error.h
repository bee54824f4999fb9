// Moved to aegis/core/error.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/error.h"  // IWYU pragma: export
