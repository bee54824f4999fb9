// Moved to aegis/telemetry/telemetry.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/telemetry/telemetry.h"  // IWYU pragma: export
