// Moved to aegis/telemetry/telemetry.h; this path forwards there until 0.2.
#pragma once
#include "aegis/telemetry/telemetry.h"  // IWYU pragma: export
