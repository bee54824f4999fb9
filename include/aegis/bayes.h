// Moved to aegis/core/bayes.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/bayes.h"  // IWYU pragma: export
