// Moved to aegis/core/digest.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/digest.h"  // IWYU pragma: export
