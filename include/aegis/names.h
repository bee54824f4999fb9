// Moved to aegis/core/names.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/names.h"  // IWYU pragma: export
