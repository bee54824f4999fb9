// Moved to aegis/core/context_fields.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/context_fields.h"  // IWYU pragma: export
