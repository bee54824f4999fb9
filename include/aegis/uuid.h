// Moved to aegis/core/uuid.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/uuid.h"  // IWYU pragma: export
