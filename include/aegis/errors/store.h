// Moved to aegis/store/errors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/store/errors.h"  // IWYU pragma: export
