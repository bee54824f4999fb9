// Moved to aegis/telemetry/encryption.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/telemetry/encryption.h"  // IWYU pragma: export
