// Moved to aegis/core/strict_object.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/strict_object.h"  // IWYU pragma: export
