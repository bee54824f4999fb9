// Moved to aegis/core/decide.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/decide.h"  // IWYU pragma: export
