// Moved to aegis/telemetry/metrics.h; this path forwards there until 0.2.
#pragma once
#include "aegis/telemetry/metrics.h"  // IWYU pragma: export
