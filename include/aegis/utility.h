// Moved to aegis/core/utility.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/utility.h"  // IWYU pragma: export
