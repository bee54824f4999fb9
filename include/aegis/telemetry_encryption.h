// Moved to aegis/telemetry/encryption.h; this path forwards there until 0.2.
#pragma once
#include "aegis/telemetry/encryption.h"  // IWYU pragma: export
