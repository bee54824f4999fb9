// Moved to aegis/server/report.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/report.h"  // IWYU pragma: export
