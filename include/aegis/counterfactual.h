// Moved to aegis/core/counterfactual.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/counterfactual.h"  // IWYU pragma: export
