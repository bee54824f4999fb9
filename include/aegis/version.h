// Moved to aegis/core/version.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/version.h"  // IWYU pragma: export
