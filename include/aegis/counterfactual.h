// Moved to aegis/core/counterfactual.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/core/counterfactual.h"  // IWYU pragma: export
