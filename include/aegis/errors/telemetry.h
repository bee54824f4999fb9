// Moved to aegis/telemetry/errors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/telemetry/errors.h"  // IWYU pragma: export
