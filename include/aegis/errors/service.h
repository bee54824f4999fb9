// Moved to aegis/service/errors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/service/errors.h"  // IWYU pragma: export
