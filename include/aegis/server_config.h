// Moved to aegis/server/server_config.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/server_config.h"  // IWYU pragma: export
