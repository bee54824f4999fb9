// Moved to aegis/client/gate_client.h; this path forwards there until 0.2.
#pragma once
#include "aegis/client/gate_client.h"  // IWYU pragma: export
