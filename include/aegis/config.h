// Moved to aegis/core/config.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/config.h"  // IWYU pragma: export
