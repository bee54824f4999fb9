// Moved to aegis/kek/hsm.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/kek/hsm.h"  // IWYU pragma: export
