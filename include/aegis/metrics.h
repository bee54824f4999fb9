// Moved to aegis/telemetry/metrics.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/telemetry/metrics.h"  // IWYU pragma: export
