// Moved to aegis/client/errors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/client/errors.h"  // IWYU pragma: export
