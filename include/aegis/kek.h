// Moved to aegis/kek/kek.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/kek/kek.h"  // IWYU pragma: export
