// Moved to aegis/core/bayes.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/bayes.h"  // IWYU pragma: export
