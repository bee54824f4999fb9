// Moved to aegis/core/json.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/json.h"  // IWYU pragma: export
