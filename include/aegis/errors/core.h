// Moved to aegis/core/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/errors.h"  // IWYU pragma: export
