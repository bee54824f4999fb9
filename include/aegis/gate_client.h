// Moved to aegis/client/gate_client.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/client/gate_client.h"  // IWYU pragma: export
