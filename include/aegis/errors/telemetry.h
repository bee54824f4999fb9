// Moved to aegis/telemetry/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/telemetry/errors.h"  // IWYU pragma: export
