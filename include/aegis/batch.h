// Moved to aegis/service/batch.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/service/batch.h"  // IWYU pragma: export
