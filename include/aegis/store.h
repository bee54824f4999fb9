// Moved to aegis/store/store.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/store/store.h"  // IWYU pragma: export
