// Moved to aegis/core/drift.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/drift.h"  // IWYU pragma: export
