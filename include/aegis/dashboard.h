// Moved to aegis/server/dashboard.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/dashboard.h"  // IWYU pragma: export
