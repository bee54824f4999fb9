// Moved to aegis/service/what_if.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/service/what_if.h"  // IWYU pragma: export
